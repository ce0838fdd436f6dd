"""Fields a search query may give (canonical field names)."""

SEARCH_FIELDS = (
    "full_name", "given_name", "middle_names", "family_name", "dob", "gender", "address",
    "postcode", "uprn", "phone", "email", "nhs_number", "ni_number",
)
