urlpatterns = []
app_name = 'dashboard'
