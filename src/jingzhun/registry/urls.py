from django.urls import path

<<<<<<< HEAD
from . import target_views, views, year_views
=======
from . import member_views, target_views, views
>>>>>>> 04c52c0 (人口变动 pages: the card's panel offers the changes the reader may take (出生, 死亡, 婚入/婚出, 户主, 县内迁移, 分户, 合户, 跨县迁出) and lists the changes in words with transfers waiting and an open 分户 review; forms in registry/member_forms.py, views in registry/member_views.py; the receiving county's transfer list and acceptance, the 分户 review list; scope matrix and personal-data walk entries)

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/cancel/", views.household_cancel, name="household_cancel"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household_reveal"),
    path("targets/", target_views.target_set, name="target_set"),
<<<<<<< HEAD
    path("years/<str:code>/<int:year>/", year_views.year_page, name="year_page"),
    path("years/<str:code>/<int:year>/<str:action>/", year_views.year_act, name="year_act"),
=======
    path("households/<int:pk>/members/<slug:change>/", member_views.member_change, name="member_change"),
    path("households/transfers/", member_views.transfer_list, name="transfer_list"),
    path("households/transfers/<int:pk>/", member_views.transfer_detail, name="transfer_detail"),
    path("households/transfers/<int:pk>/accept/", member_views.transfer_accept, name="transfer_accept"),
    path("households/transfers/<int:pk>/refuse/", member_views.transfer_refuse, name="transfer_refuse"),
    path("households/transfers/<int:pk>/cancel/", member_views.transfer_cancel, name="transfer_cancel"),
    path("households/split-reviews/", member_views.split_review_list, name="split_review_list"),
    path(
        "households/split-reviews/<int:pk>/clear/", member_views.split_review_clear, name="split_review_clear"
    ),
>>>>>>> 04c52c0 (人口变动 pages: the card's panel offers the changes the reader may take (出生, 死亡, 婚入/婚出, 户主, 县内迁移, 分户, 合户, 跨县迁出) and lists the changes in words with transfers waiting and an open 分户 review; forms in registry/member_forms.py, views in registry/member_views.py; the receiving county's transfer list and acceptance, the 分户 review list; scope matrix and personal-data walk entries)
]
