from . import views

app_name = "directory"

urlpatterns = [*views.urlpatterns]
