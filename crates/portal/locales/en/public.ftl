# The public authenticity page (`/v/{token}`, the QR code's target), rendered for the server.

public-title = Document authenticity
public-heading = Document authenticity check
public-status-valid = VALID
public-status-suspended = SUSPENDED
public-status-withdrawn = WITHDRAWN / CANCELLED
public-status-replaced = REPLACED
public-status-not-available = NOT AVAILABLE
public-explain-valid = The hub holds this document and its issuer has not changed its status.
public-explain-suspended = The issuer has suspended this document. Do not rely on it until it is reinstated.
public-explain-withdrawn = The issuer has withdrawn this document. It must not be relied on.
public-explain-replaced = The issuer has replaced this document by another one. Use the replacement.
public-explain-not-available = No information is available for this reference.
public-replacement-link = Open the replacement document
public-issuing-body = Issuing body
public-country = Country
public-document-type = Document type
public-issue-date = Issue date
public-valid-until = Valid until

## Comparing a copy
public-compare-heading = Compare your copy
public-compare-explain = Choose the PDF file you received. The hub checks whether it is exactly the registered document. The file is not stored.
public-compare-button = Compare
public-compare-match = The file is identical to the registered document.
public-compare-mismatch = The file is NOT identical to the registered document.
public-compare-too-large = The file is too large.
public-compare-not-pdf = The file is not a PDF document.
public-compare-bad-upload = The upload could not be read. Choose the file again.
public-back-to-page = Back to the document

## Rate limit
public-too-many-title = Too many requests
public-too-many-explain = Please wait a minute and try again.

# Kept word for word equal to the hub's VERIFICATION_DISCLAIMER (a unit test checks it).
public-disclaimer = Hub verification is reference information about the document's signature, its issuer's registration and its status. It is not legal acceptance of the document and not customs clearance: those decisions remain with the competent authorities of the importing country.
public-language = Language
