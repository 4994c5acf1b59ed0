# Issuing CAB pages: upload, documents, detail.
documents-count = { $count ->
    [one] { $n } document
   *[other] { $n } documents
}

## Field labels (for "<field>: <reason>" messages and the forms)
field-pdf = PDF file
field-document_number = Document number
field-document_type = Document type
field-hs_codes = HS codes
field-product_description = Product description
field-issue_date = Issue date
field-valid_until = Valid until
field-destination_country = Destination country
field-receiving_authority = Receiving authority
field-applicant = Applicant
field-manufacturer = Manufacturer
field-applied_standards = Applied standards
field-public_token = Public reference
field-idempotency_key = Request key
field-metadata = Document details
field-status = New status
field-reason = Reason
field-replaced_by = Replaced by

## Upload
cab-upload-title = Upload a signed document
cab-upload-intro = Choose the signed PDF and describe the document. The hub checks the signature against your registered certificates and your scope, then sends the document to the receiving authorities of the destination country.
cab-scope-heading = Your scope
cab-scope-intro = The hub accepts documents within these entries of your accreditation scope:
cab-scope-empty = No scope entries are registered for your body yet: the hub will refuse documents until the hub operator adds them.
cab-scope-hs-prefix = HS codes starting with
cab-scope-destinations = Destinations
cab-scope-period = Period
cab-scope-all-destinations = all countries
cab-scope-from = from { $from }
cab-scope-from-until = { $from } to { $until }
cab-pdf-hint = Signed PDF, at most { $size }.
cab-hs-hint = One or more codes of 4 to 10 digits, separated by commas or spaces, e.g. 8471.30, 850440.
cab-choose = Choose…
cab-receiving-authority-hint = Optional: by default every competent authority of the destination country receives the document.
cab-all-authorities = All competent authorities
cab-optional = (optional)
cab-standards-hint = One per line.
cab-upload-submit = Upload and check

## Result
cab-result-title = Upload result
cab-verdict-accepted = Accepted: the document was registered and sent.
cab-verdict-rejected = Rejected: the hub did not accept this document.
cab-rejected-nothing-stored = Nothing was stored or sent. Correct the problem and upload the document again.
cab-replayed = This exact document had already been uploaded; this is the earlier result.
cab-hub-reference = Hub reference
cab-sent-to = Sent to
cab-receivers-count = { $count ->
    [one] { $n } receiving authority
   *[other] { $n } receiving authorities
}
cab-public-link = Public authenticity page
cab-upload-another = Upload another document
cab-report-heading = Verification report
cab-report-missing = The verification report is no longer kept by the hub.

## Why the hub refused a document
rejection-unsigned = The PDF is not signed.
rejection-pdf_unreadable = The PDF file could not be read. Check that it is a complete, undamaged PDF.
rejection-signature_invalid = The signature is not valid: the file was changed after signing, or the signature is damaged.
rejection-signer_not_registered = The signing certificate is not registered for your body in the Public Key Registry.
rejection-signer_other_cab = The document is signed with a certificate of another body.
rejection-certificate_revoked = The signing certificate has been revoked.
rejection-certificate_expired = The signing certificate was not valid when the document was signed.
rejection-cab_not_active = Your body is not active in the hub at the moment.
rejection-not_accredited = Your body has no accreditation in force for this document.
rejection-out_of_scope = The document's type, HS codes or destination are outside your scope.
rejection-no_receiver = No receiving authority of the destination country accepts this kind of document.
rejection-other = The hub refused the document.

## Documents
cab-documents-title = My documents
cab-filter-status = Status
cab-filter-any = Any
cab-filter-submit = Show
cab-documents-on-page = { $count ->
    [one] { $n } document on this page
   *[other] { $n } documents on this page
}
cab-documents-none = No documents yet.
cab-documents-caption = Your documents, newest first, with their delivery to each receiving authority
cab-document-status = Status
cab-deliveries = Delivery
cab-pages = Pages
cab-next-page = Next page
cab-document-title = Document { $number }
cab-submitted-at = Uploaded
cab-pdf-size = PDF size
cab-no-deliveries = Not sent to any authority.
cab-receiver = Receiving authority
cab-delivery-status = Status
cab-reply = Answer
cab-updated-at = Last change
cab-reply-received = Received
cab-reply-accepted = Accepted
cab-reply-rejected = Rejected
cab-status-history = Status history
cab-no-status-changes = The status has not been changed.
cab-changed-at = When
cab-change = Change
cab-change-from-to = { $from } → { $to }
cab-status-change-heading = Change the status
cab-status-final = This status is final and cannot be changed.
cab-transition-reinstate = Reinstate (valid again)
cab-transition-suspend = Suspend
cab-transition-withdraw = Withdraw
cab-transition-replace = Replace by another document
cab-replaced-by-hint = Only for a replacement: the document that replaces this one.
cab-no-replacement = No replacement
cab-status-submit = Change the status
flash-status-changed = The status was changed and the receiving authorities were notified.
