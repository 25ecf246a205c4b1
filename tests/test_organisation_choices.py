"""Organisation pickers name each organisation in the reader's language (found walking the demo
in English: the directory, coordination, requests and protocol forms listed 'OCHA – Bureau de la
coordination des affaires humanitaires')."""

import pytest
from django.utils import translation

from passerelle.accounts.models import Organisation
from passerelle.coordination.forms import OrganisationField, OrganisationsField
from passerelle.directory.forms import OrganisationChoiceField as DirectoryOrganisationField
from passerelle.inforequests.forms import OrganisationField as RequestOrganisationField
from passerelle.sharing.protocol_forms import OrganisationChoiceField as ProtocolOrganisationField

pytestmark = pytest.mark.django_db

FIELDS = [
    OrganisationField,
    OrganisationsField,
    DirectoryOrganisationField,
    RequestOrganisationField,
    ProtocolOrganisationField,
]


@pytest.mark.parametrize("field_class", FIELDS)
def test_an_organisation_is_named_in_the_reader_language(field_class):
    ocha = Organisation.objects.create(
        acronym="OCHA-T",
        name="Bureau de la coordination des affaires humanitaires",
        name_en="Office for the Coordination of Humanitarian Affairs",
    )
    plain = Organisation.objects.create(acronym="ADDF-T", name="Association Djiguiya")
    field = field_class(queryset=Organisation.objects.filter(pk__in=[ocha.pk, plain.pk]))
    with translation.override("en"):
        assert field.label_from_instance(ocha).endswith(
            "Office for the Coordination of Humanitarian Affairs"
        )
        assert field.label_from_instance(plain).endswith("Association Djiguiya")  # no English name
    with translation.override("fr"):
        assert field.label_from_instance(ocha).endswith(
            "Bureau de la coordination des affaires humanitaires"
        )
