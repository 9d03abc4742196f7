urlpatterns = []
app_name = 'members'
