"""The versioned-document pattern: draft → published → archived, acknowledged by staff.

Written once here; the portrait uses it and the service rules of stage 2 reuse it,
each by declaration:

- ``models``: the document subclasses ``VersionedDocument`` and names its
  ``acknowledgement_model``, a ``DocumentAcknowledgement`` pointing back at it;
- ``services`` and ``selectors``: the writes and reads every document shares, and
  ``errors``, the refusals of those writes;
- ``publishing``: what other apps run once a version is published;
- ``etags``: the document's ETag and the ``If-Match`` it is compared with;
- ``api`` and ``admin``: the mixins its viewset and its admins derive from.

Nothing is imported here: the models need a ready app registry, the mixins DRF.
"""
