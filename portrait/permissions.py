"""Who may do what with the portrait, for the API and the admin.

Role-level checks are Django permissions granted to the role groups
(``portrait.roles``); the API reads them per action from ``PortraitViewSet``'s
table; object-level visibility is ``selectors.portrait_list_for_user``.
"""

READ = "portrait.view_portrait"
WRITE = "portrait.change_portrait"
CREATE = "portrait.add_portrait"
PUBLISH = "portrait.publish_portrait"
ACKNOWLEDGE = "portrait.acknowledge_portrait"
VIEW_ACKNOWLEDGEMENTS = "portrait.view_portraitacknowledgement"
