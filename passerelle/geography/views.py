from django.shortcuts import render

from passerelle import policy

from .models import Area


@policy.permission("area.view")
def area_list(request):
    regions = Area.objects.filter(level=1).prefetch_related("children").order_by("pcode")
    return render(request, "geography/area_list.html", {"regions": regions})
