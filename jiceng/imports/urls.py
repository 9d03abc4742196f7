urlpatterns = []
app_name = 'imports'
