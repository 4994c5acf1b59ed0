# Receiving authority: inbox, exchange detail, download and reply.

## Inbox
receiver-inbox-title = Inbox
receiver-inbox-intro = Documents addressed to your authority, newest first.
receiver-filter-legend = Search and filter
receiver-filter-status = Delivery status
receiver-filter-issuer-country = Issuing country
receiver-filter-cab = Issuing body
receiver-filter-document-type = Document type
receiver-filter-hs-prefix = HS code starts with
receiver-filter-issued-from = Issued from
receiver-filter-issued-to = Issued until
receiver-filter-any = Any
receiver-filter-submit = Search
receiver-filter-reset = Clear filters
receiver-inbox-caption = Documents received
receiver-inbox-count = { $count ->
    [one] { $n } document on this page
   *[other] { $n } documents on this page
}
receiver-inbox-empty = No documents match these filters.
receiver-col-document-number = Document number
receiver-col-document-type = Type
receiver-col-issuer = Issuing body
receiver-col-issuer-country = Country
receiver-col-hs-codes = HS codes
receiver-col-issue-date = Issued
receiver-col-received = Received
receiver-col-status = Status
receiver-col-action = Action
receiver-open = Open
receiver-open-label = Open document { $number }
receiver-next-page = Next page
receiver-first-page = First page

## Detail
receiver-detail-title = Document { $number }
receiver-back-to-inbox = Back to the inbox
receiver-metadata-heading = Document details
receiver-field-hub-reference = Hub reference
receiver-field-document-number = Document number
receiver-field-document-type = Document type
receiver-field-document-status = Document status
receiver-field-replaced-by = Replaced by
receiver-field-issuer = Issuing body
receiver-field-hs-codes = HS codes
receiver-field-product = Product
receiver-field-issue-date = Issue date
receiver-field-valid-until = Valid until
receiver-field-destination = Destination country
receiver-field-applicant = Applicant
receiver-field-manufacturer = Manufacturer
receiver-field-standards = Applied standards
receiver-field-pdf-sha256 = PDF SHA-256
receiver-field-pdf-size = PDF size
receiver-field-submitted = Submitted to the hub
receiver-field-delivery-status = Delivery status
receiver-field-none = none

receiver-report-heading = Verification report
receiver-report-missing = The verification report is no longer kept (retention period over).

receiver-history-heading = Status history
receiver-history-empty = The issuer has not changed the status of this document.
receiver-history-change = { $from } → { $to }
receiver-col-when = When
receiver-col-change = Change
receiver-col-reason = Reason

receiver-audit-heading = Audit trail
receiver-audit-intro = Recorded events about this document, from the hub's tamper-evident log.
receiver-audit-empty = No recorded events.
receiver-audit-truncated = { $count ->
    [one] Only the first { $n } event is shown.
   *[other] Only the first { $n } events are shown.
}
receiver-col-event = Event
receiver-col-leaf = Log entry

receiver-download-heading = Signed PDF
receiver-download = Download the signed PDF
receiver-download-note = The PDF is byte for byte the file the issuer signed. Downloading it is recorded.
receiver-pdf-gone = The PDF has been deleted from the hub under the retention policy. The details and the evidence remain.
receiver-pdf-gone-page = The PDF of this document is no longer available: it was deleted under the retention policy.

receiver-reply-heading = Your decision
receiver-reply-intro = Tell the issuer you received, accepted or rejected the document. A rejection needs a reason code.
receiver-reply-decision = Decision
receiver-reply-received = Received
receiver-reply-accepted = Accepted
receiver-reply-rejected = Rejected
receiver-reply-reason-code = Reason code (upper-case letters, digits, _ - .)
receiver-reply-reason-text = Explanation (optional)
receiver-reply-submit = Send decision
receiver-reply-given = You answered: { $decision } on { $date }.
receiver-reply-given-code = Reason code: { $code }
receiver-reply-given-text = Explanation: { $text }
flash-receiver-reply-sent = Your decision was sent to the issuer.
receiver-reply-already = This document has already been answered.

## Form problems
receiver-error-filter = Some filters are not valid; nothing was searched.
receiver-error-cursor = This page link is no longer valid; showing the first page.

receiver-pages-label = Pages of results

## The verification report in plain words
receiver-report-passed = The hub checked the signature when the document arrived: it is valid and made with a registered key.
receiver-report-indeterminate = The hub could not fully confirm the signature.
receiver-report-failed = The signature check failed.
receiver-report-intact = The file has not been changed since it was signed.
receiver-report-not-intact = The file may have been changed after it was signed.
receiver-report-signature-count = { $count ->
    [one] The file carries { $n } signature.
   *[other] The file carries { $n } signatures.
}
receiver-report-signer = Signed by { $name }.
receiver-report-signer-unknown = The signer could not be identified.
receiver-report-document-timestamp = A document timestamp seals the file.
receiver-report-timestamped = A trusted timestamp proves it was signed by { $time }.
receiver-report-claimed-time = The signer states it was signed on { $time } (not proven by a timestamp).
receiver-report-chain = The signing certificate leads to { $name }.
receiver-report-checked-at = Checked on { $time }.
receiver-report-sub-format_failure = The signature or the file is malformed, or the file was changed in a way signing does not allow.
receiver-report-sub-hash_failure = The signed content does not match its signature.
receiver-report-sub-sig_crypto_failure = The signature value does not verify with the signer's key.
receiver-report-sub-crypto_constraints_failure = The signature uses an algorithm or key size that is no longer accepted.
receiver-report-sub-chain_constraints_failure = A certificate of the signer is used for something it does not allow.
receiver-report-sub-certificate_chain_general_failure = The signer's certificate chain is broken.
receiver-report-sub-revoked = A certificate of the signer was revoked.
receiver-report-sub-expired = The signer's certificate had expired.
receiver-report-sub-not_yet_valid = The signer's certificate was not yet valid.
receiver-report-sub-no_signing_certificate_found = The signer's certificate is missing.
receiver-report-sub-no_certificate_chain_found = The signer's certificate does not lead to a trusted authority.
receiver-report-sub-try_later = Up-to-date revocation information was not available.

## Labels of form fields in error messages
field-decision = Decision
field-reason_code = Reason code
field-text = Explanation
field-issued_from = Issued from
field-issued_to = Issued until
field-issuer_country = Issuing country
field-cab = Issuing body
