"""The REST API's views: thin, like the pages' — parse (a serializer), authorize (the policy:
`PolicyPermission` for the action, then `policy.scope` for every list and
`policy.get_or_404` for every record), one service or query, represent (represent.py).

Each view declares, per HTTP method, the action it needs (`policy_actions`);
`passerelle_permission`, which the URL walk reads, is derived from it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from passerelle import policy
from passerelle.accounts.models import Organisation
from passerelle.core import audit
from passerelle.geography.models import Area
from passerelle.incidents import services as incident_services
from passerelle.incidents.models import Consent, Incident, Person
from passerelle.incidents.views import LIST_DEFERRED, LIST_RELATED
from passerelle.inforequests.models import Request
from passerelle.policy.decorators import PUBLIC
from passerelle.policy.fields import INCIDENT_FIELDS, PERSON_FIELDS
from passerelle.policy.inforequests import request_texts
from passerelle.referrals import gaps as gap_figures
from passerelle.referrals.models import Referral, Service
from passerelle.sharing import aggregates
from passerelle.sharing.models import Disclosure
from passerelle.vocabularies.models import Term

from . import represent
from . import serializers as s


class PolicyView(GenericAPIView):
    """A view of the API: `policy_actions` maps each method it serves to the action needed."""

    policy_actions: dict = {}
    metadata_class = None  # OPTIONS is not served (405)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        actions = []
        for declared in cls.policy_actions.values():
            for action in (declared,) if isinstance(declared, str) else declared:
                if action not in actions:
                    actions.append(action)
        cls.passerelle_permission = actions[0] if len(actions) == 1 else tuple(actions)

    def query(self, serializer_class):
        """The query parameters, validated (400 with the fields in error)."""
        params = serializer_class(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        return params

    def page(self, queryset, build):
        """One page of `queryset` (ordered), each record represented by `build`."""
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response([build(obj) for obj in page])


def _record_page(user, event: str, records, owner_of, *, level: int, fields) -> None:
    """Audit the read of a page of level-3/4 content: one event per owning organisation,
    naming the records (the pages audit each record they open the same way)."""
    if not records or level < 3:
        return
    by_owner: dict = {}
    for obj in records:
        owner = owner_of(obj)
        by_owner.setdefault(owner.pk, (owner, []))[1].append(str(obj.public_id))
    for owner, ids in by_owner.values():
        audit.record(
            user,
            event,
            organisation=owner,
            level=level,
            detail={"records": ids, "fields": sorted(fields)},
        )


# --------------------------------------------------------------------------- incidents


class IncidentList(PolicyView):
    """Incidents the user may see, level-2 columns (as the list page); POST records one."""

    policy_actions = {"GET": "incident.view", "POST": "incident.create"}

    @extend_schema(parameters=[s.IncidentFilter], responses=s.IncidentOut(many=True))
    def get(self, request):
        params = self.query(s.IncidentFilter)
        qs = policy.scope(request.user, Incident.objects.all(), "incident.view")
        qs = (
            params.apply(qs)
            .select_related(*LIST_RELATED, "owner")
            .defer(*LIST_DEFERRED)
            .prefetch_related("victim_counts__age_group", "need_to_know")
            .order_by("-occurred_on", "-pk")
        )
        page = self.paginate_queryset(qs)
        policy.prefetch_shared(request.user, page)
        columns = {name for name, level in INCIDENT_FIELDS.items() if level <= 2}
        rows = [
            represent.incident(request.user, incident, audit_reads=False, only=columns)
            for incident in page
        ]
        return self.get_paginated_response(rows)

    @extend_schema(request=s.IncidentIn, responses={201: s.IncidentOut})
    def post(self, request):
        data = _valid(s.IncidentIn, request.data)
        organisation = _organisation(request.user, data.pop("organisation", None))
        counts = data.pop("victim_counts", None)
        incident = incident_services.record_incident(
            request.user,
            organisation=organisation,
            victim_counts=counts,
            **_incident_values(data),
        )
        return Response(represent.incident(request.user, incident), status=status.HTTP_201_CREATED)


def _valid(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _incident_values(data: dict) -> dict:
    values = dict(data)
    for name in ("exact_location", "narrative"):
        if name in values and values[name] is None:
            values[name] = ""
    return values


def _organisation(user, acronym: str | None):
    """The organisation to record for: named by its acronym, or the user's only one."""
    allowed = policy.organisations(user, "incident.create")
    if acronym:
        found = [o for o in allowed if o.acronym == acronym]
        if not found:
            if not Organisation.objects.filter(acronym=acronym).exists():
                raise exceptions.ValidationError({"organisation": [_("Unknown organisation.")]})
            policy.audit_refusal(user, "incident.create", reason="not a member with this role")
            raise exceptions.PermissionDenied
        return found[0]
    if len(allowed) != 1:
        raise exceptions.ValidationError(
            {"organisation": [_("Name the organisation (its acronym): you belong to several.")]}
        )
    return allowed[0]


class IncidentDetail(PolicyView):
    """One incident, every field the user may see (level-3/4 reads audited); PATCH changes it
    through the same service as the edit page."""

    policy_actions = {"GET": "incident.view", "PATCH": "incident.edit"}

    @extend_schema(responses=s.IncidentOut)
    def get(self, request, public_id):
        incident = policy.get_or_404(request.user, Incident, public_id, "incident.view")
        return Response(represent.incident(request.user, incident))

    @extend_schema(request=s.IncidentIn, responses=s.IncidentOut)
    def patch(self, request, public_id):
        incident = policy.get_or_404(request.user, Incident, public_id, "incident.edit")
        data = _valid(s.IncidentIn, request.data, partial=True)
        data.pop("organisation", None)  # an incident does not change owner
        counts = data.pop("victim_counts", None)
        incident_services.update_incident(
            request.user, incident, victim_counts=counts, **_incident_values(data)
        )
        incident = policy.get_or_404(request.user, Incident, public_id, "incident.view")
        return Response(represent.incident(request.user, incident))


# --------------------------------------------------------------------------- persons, consents


def _incident_of(user, params, action: str):
    public_id = params.validated_data.get("incident")
    if public_id is None:
        return None
    return policy.get_or_404(user, Incident, public_id, action)


class PersonList(PolicyView):
    """Victims, witnesses and sources the user may see, each field as the person page shows
    it; the read of the page is audited (level 3, or 4 with identities)."""

    policy_actions = {"GET": "person.view"}

    @extend_schema(parameters=[s.IncidentOf], responses=s.PersonOut(many=True))
    def get(self, request):
        params = self.query(s.IncidentOf)
        qs = policy.scope(request.user, Person.objects.all(), "person.view")
        incident = _incident_of(request.user, params, "person.view")
        if incident is not None:
            qs = qs.filter(incident=incident)
        qs = qs.select_related("incident__owner", "age_group", "displacement_status").order_by(
            "incident_id", "pk"
        )
        page = self.paginate_queryset(qs)
        consents: dict = {}  # the page's consents in one query, through the policy
        shown = policy.scope(request.user, Consent.objects.all(), "person.view")
        for row in shown.filter(person__in=[p.pk for p in page]).order_by("pk"):
            consents.setdefault(row.person_id, []).append(row)
        rows = [
            represent.person(request.user, p, audit_reads=False, consents=consents) for p in page
        ]
        shown = {k for row in rows for k in row if k in PERSON_FIELDS}
        _record_page(
            request.user,
            "person.read",
            page,
            lambda p: p.incident.owner,
            level=max((PERSON_FIELDS[k] for k in shown), default=0),
            fields=shown,
        )
        return self.get_paginated_response(rows)


class PersonDetail(PolicyView):
    policy_actions = {"GET": "person.view"}

    @extend_schema(responses=s.PersonOut)
    def get(self, request, public_id):
        person = policy.get_or_404(request.user, Person, public_id, "person.view")
        return Response(represent.person(request.user, person))


class ConsentList(PolicyView):
    """Consents of the persons the user may see (level 3: the read is audited)."""

    policy_actions = {"GET": "person.view"}

    @extend_schema(parameters=[s.IncidentOf], responses=s.ConsentOut(many=True))
    def get(self, request):
        params = self.query(s.IncidentOf)
        qs = policy.scope(request.user, Consent.objects.all(), "person.view")
        incident = _incident_of(request.user, params, "person.view")
        if incident is not None:
            qs = qs.filter(person__incident=incident)
        qs = qs.select_related("person__incident__owner").order_by("pk")
        page = self.paginate_queryset(qs)
        _record_page(
            request.user,
            "consent.read",
            page,
            lambda c: c.person.incident.owner,
            level=3,
            fields={"consents"},
        )
        return self.get_paginated_response([represent.consent(c) for c in page])


class ConsentDetail(PolicyView):
    policy_actions = {"GET": "person.view"}

    @extend_schema(responses=s.ConsentOut)
    def get(self, request, public_id):
        consent = policy.get_or_404(request.user, Consent, public_id, "person.view")
        _record_page(
            request.user,
            "consent.read",
            [consent],
            lambda c: c.person.incident.owner,
            level=3,
            fields={"consents"},
        )
        return Response(represent.consent(consent))


# --------------------------------------------------------------------------- disclosures


class DisclosureList(PolicyView):
    """`box=received` (default): what was shared with the user's organisations and is in
    effect, the records the user may open; `box=sent`: what their organisations shared
    (`incident.share` holders), as the two sharing pages list them."""

    policy_actions = {"GET": ("incident.view", "incident.share")}

    @extend_schema(parameters=[s.DisclosureFilter], responses=s.DisclosureOut(many=True))
    def get(self, request):
        params = self.query(s.DisclosureFilter)
        user = request.user
        if params.validated_data["box"] == "sent":
            qs = policy.scope(user, Disclosure.objects.all(), "disclosure.view")
        else:
            mine = [o.pk for o in policy.organisations(user)]
            qs = policy.scope(user, Disclosure.objects.all(), "incident.view").filter(
                recipient_id__in=mine, **policy.live_filter()
            )
        qs = qs.select_related("incident", "owner", "recipient", "protocol").order_by(
            "-created_at", "-pk"
        )
        return self.page(qs, represent.disclosure)


class DisclosureDetail(PolicyView):
    """One disclosure, to a reader who may open its record (`incident.view` on it)."""

    policy_actions = {"GET": "incident.view"}

    @extend_schema(responses=s.DisclosureOut)
    def get(self, request, public_id):
        found = policy.get_or_404(request.user, Disclosure, public_id, "incident.view")
        return Response(represent.disclosure(found))


# --------------------------------------------------------------------------- referrals


class ReferralList(PolicyView):
    """Referrals the user may see (`box`: sent or received, as the referral pages), each at
    the level the policy allows; level-3/4 reads audited."""

    policy_actions = {"GET": ("referral.create", "referral.respond")}

    @extend_schema(parameters=[s.ReferralFilter], responses=s.ReferralOut(many=True))
    def get(self, request):
        params = self.query(s.ReferralFilter)
        box = params.validated_data.get("box")
        qs = Referral.objects.all()
        if box:
            qs = policy.scope_referrals(request.user, qs, box)
        qs = policy.scope(request.user, qs, "referral.view")
        qs = qs.select_related(*policy.referrals.RELATED, "need").order_by("-created_at", "-pk")
        page = self.paginate_queryset(qs)
        rows = [represent.referral(request.user, r) for r in page]
        return self.get_paginated_response(rows)


class ReferralDetail(PolicyView):
    policy_actions = {"GET": ("referral.create", "referral.respond")}

    @extend_schema(responses=s.ReferralOut)
    def get(self, request, public_id):
        referral = policy.get_referral_or_404(request.user, public_id)
        return Response(represent.referral(request.user, referral))


# --------------------------------------------------------------------------- services


class ServiceList(PolicyView):
    """The service mapping (directory data every `service.view` holder reads)."""

    policy_actions = {"GET": "service.view"}

    @extend_schema(responses=s.ServiceOut(many=True))
    def get(self, request):
        qs = policy.scope(request.user, Service.objects.all(), "service.view")
        qs = qs.select_related("provider").prefetch_related("areas").order_by("name", "pk")
        return self.page(qs, represent.service)


class ServiceDetail(PolicyView):
    policy_actions = {"GET": "service.view"}

    @extend_schema(responses=s.ServiceOut)
    def get(self, request, public_id):
        service = policy.get_or_404(request.user, Service, public_id, "service.view")
        return Response(represent.service(service))


# --------------------------------------------------------------------------- requests


class RequestList(PolicyView):
    """Requests made or received by the user's organisations (their texts on the detail)."""

    policy_actions = {"GET": "request.view"}

    @extend_schema(responses=s.RequestOut(many=True))
    def get(self, request):
        qs = policy.scope(request.user, Request.objects.all(), "request.view")
        qs = qs.select_related("asker", "addressee", "area").order_by("-created_at", "-pk")
        return self.page(qs, lambda r: represent.request(request.user, r, texts={}))


class RequestDetail(PolicyView):
    """One request with what was asked and, for those who read it, the answer (a level-3
    answer is audited, and served only to a reader verified with two factors)."""

    policy_actions = {"GET": "request.view"}

    @extend_schema(responses=s.RequestOut)
    def get(self, request, public_id):
        user = request.user
        found = policy.get_or_404(user, Request, public_id, "request.view")
        return Response(represent.request(user, found, texts=request_texts(user, found)))


# --------------------------------------------------------------------------- reference lists


class AreaList(PolicyView):
    """Administrative areas by P-code (`level`, `parent` P-code to narrow)."""

    policy_actions = {"GET": "area.view"}

    @extend_schema(parameters=[s.AreaFilter], responses=s.AreaOut(many=True))
    def get(self, request):
        params = self.query(s.AreaFilter).validated_data
        qs = Area.objects.select_related("parent").defer("geometry").order_by("pcode")
        if "level" in params:
            qs = qs.filter(level=params["level"])
        if params.get("parent"):
            qs = qs.filter(parent__pcode=params["parent"])
        return self.page(qs, represent.area)


class TermList(PolicyView):
    """The vocabularies (categories, sub-types, perpetrators, age groups…): the codes the
    incident endpoints take and give."""

    policy_actions = {"GET": "dashboard.view"}

    @extend_schema(parameters=[s.TermFilter], responses=s.TermOut(many=True))
    def get(self, request):
        params = self.query(s.TermFilter).validated_data
        qs = Term.objects.filter(active=True).select_related("parent")
        if params.get("vocabulary"):
            qs = qs.filter(vocabulary=params["vocabulary"])
        return self.page(qs.order_by("vocabulary", "sort_order", "code"), represent.term)


# --------------------------------------------------------------------------- aggregate tables


class AggregateTable(PolicyView):
    """A count table as the statistics page builds it (`sharing.aggregates.build`: only what
    `policy.aggregate_scope` counts, small cells and their complements suppressed), audited
    as the page audits it. A forbidden purpose is refused (403, audited by the policy)."""

    policy_actions = {"GET": "aggregate.view"}
    pagination_class = None

    @extend_schema(parameters=[s.AggregateQuery], responses=s.AggregateOut)
    def get(self, request):
        data = self.query(s.AggregateQuery).validated_data
        result = aggregates.build_from(request.user, data)
        aggregates.record_read(request.user, result, data)
        return Response(represent.aggregate(result))


class ResponseGaps(PolicyView):
    """The response-gap figures of the gap page (`referrals.gaps.build`, the same
    suppression), for a period (default: the page's) and a region."""

    policy_actions = {"GET": "aggregate.view"}
    pagination_class = None

    @extend_schema(parameters=[s.GapsQuery], responses=s.GapsOut)
    def get(self, request):
        data = self.query(s.GapsQuery).validated_data
        start, end = data.get("start"), data.get("end")
        if not (start and end):
            default_start, default_end = gap_figures.default_period(request.user)
            if start and not end:
                end = max(start, default_end)
            elif end and not start:
                start = min(end, default_start)
            else:
                start, end = default_start, default_end
        report = gap_figures.build(request.user, start=start, end=end, region=data.get("region"))
        return Response(represent.gaps(report))


# --------------------------------------------------------------------------- errors


class NotFound(APIView):
    """Any other path under /api/: the API's 404, as problem details."""

    passerelle_permission = PUBLIC
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    metadata_class = None
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound
