urlpatterns = []
app_name = 'orgs'
