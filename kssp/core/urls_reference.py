"""Reference data pages, mounted at ``reference/``. Rows are addressed by natural key (code, act
number with its slash, article and paragraph), never by an integer key."""

from django.urls import path

from kssp.core import views_reference as views

app_name = "reference"

urlpatterns = [
    path("", views.index, name="index"),
    path("municipalities/", views.municipality_list, name="municipality_list"),
    path("municipalities/<str:code>/edit/", views.municipality_edit, name="municipality_edit"),
    path("crossing-points/", views.crossing_point_list, name="crossing_point_list"),
    path("crossing-points/<str:code>/edit/", views.crossing_point_edit, name="crossing_point_edit"),
    path("countries/", views.country_list, name="country_list"),
    path("countries/<str:code>/edit/", views.country_edit, name="country_edit"),
    path("legal-acts/", views.legal_act_list, name="legal_act_list"),
    path("offences/", views.offence_list, name="offence_list"),
    # An act number holds a slash ("06/L-074"); the longer patterns come first.
    path(
        "legal-acts/<path:number>/articles/<str:article>/<str:paragraph>/edit/", views.offence_edit,
        name="offence_edit_paragraph",
    ),
    path("legal-acts/<path:number>/articles/<str:article>/edit/", views.offence_edit, name="offence_edit"),
    path("legal-acts/<path:number>/edit/", views.legal_act_edit, name="legal_act_edit"),
]
