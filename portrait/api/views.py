from config.permissions import ActionViewSet, requires
from portrait import selectors, services
from portrait.api.serializers import PortraitAcknowledgementSerializer, PortraitSerializer
from portrait.permissions import (
    ACKNOWLEDGE,
    CREATE,
    PUBLISH,
    READ,
    VIEW_ACKNOWLEDGEMENTS,
    WRITE,
)
from portrait.versioning.api import VersionedDocumentViewSetMixin


class PortraitViewSet(VersionedDocumentViewSetMixin, ActionViewSet):
    """Portrait versions. Drafts are seen and edited by admins only; edits need ``If-Match``.

    State conflicts (editing, publishing a non-draft; acknowledging a version not
    in force) answer 409. Acknowledging twice answers 200 with the first time.
    """

    serializer_class = PortraitSerializer
    acknowledgement_serializer_class = PortraitAcknowledgementSerializer
    document_services = services.PORTRAIT_SERVICES
    action_permissions = {
        "list": requires(READ),
        "retrieve": requires(READ),
        "create": requires(READ, CREATE, WRITE),
        "partial_update": requires(READ, WRITE),
        "publish": requires(READ, PUBLISH),
        "copy": requires(READ, CREATE, WRITE),
        "acknowledge": requires(READ, ACKNOWLEDGE),
        "acknowledgements": requires(READ, VIEW_ACKNOWLEDGEMENTS),
    }

    def document_queryset(self, *, with_children: bool):
        return selectors.portrait_list_for_user(self.request.user, with_children=with_children)
