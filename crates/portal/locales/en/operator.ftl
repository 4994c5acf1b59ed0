# Hub operator: institutions, accreditation, scope, the Public Key Registry, users, audit log, retention.

operator-only = This page is for the hub operator only.
operator-next-page = Next page
operator-first-page = First page
operator-none = none
operator-any = Any
operator-yes = yes
operator-no = no

## Lifecycle status
operator-status-pending = Pending
operator-status-active = Active
operator-status-suspended = Suspended
operator-status-withdrawn = Withdrawn

## Institutions
operator-institutions-title = Institutions
operator-institutions-caption = Participating institutions
operator-institutions-count = { $count ->
    [one] { $n } institution on this page
   *[other] { $n } institutions on this page
}
operator-institutions-empty = No institutions yet.
operator-col-name = Name
operator-col-country = Country
operator-col-roles = Roles
operator-col-status = Status
operator-create-institution-heading = Add an institution
operator-create-institution-intro = A new institution starts as pending; activate it once its records are complete.
operator-field-name = Name
operator-field-country = Country
operator-field-roles = Roles
operator-create-institution-submit = Add institution
flash-operator-institution-created = The institution was added. It is pending until you activate it.

operator-back-to-institutions = Back to institutions
operator-field-id = Hub identifier
operator-field-status = Status
operator-field-status-stored = Recorded status
operator-field-withdrawal = Withdrawal
operator-withdrawal-notified = notified on { $notice }, effective { $effective }
operator-field-contacts = Contact points
operator-contacts-none = No contact points.
operator-field-created = Created
operator-field-updated = Last changed

operator-status-change-heading = Change status
operator-new-status = New status
operator-status-change-submit = Change status
operator-status-change-none = No status change is possible from the current status.
flash-operator-status-changed = The status was changed.

operator-withdrawal-heading = Notify withdrawal
operator-withdrawal-intro = The institution stays in its current status until the effective date. Without a date the default notice period of 60 days applies.
operator-withdrawal-date = Effective date (optional)
operator-withdrawal-submit = Notify withdrawal
flash-operator-withdrawal-done = The withdrawal was notified.

## Accreditation
operator-accreditation-heading = Accreditation
operator-accreditation-empty = No accreditation recorded.
operator-col-basis = Basis
operator-col-body = Accreditation body
operator-col-certificate-number = Certificate number
operator-col-valid-from = Valid from
operator-col-valid-until = Valid until
operator-col-suspended = Suspended
operator-basis-iso17065 = ISO/IEC 17065 (certification)
operator-basis-iso17025 = ISO/IEC 17025 (testing)
operator-basis-iso17020 = ISO/IEC 17020 (inspection)
operator-basis-regulator_designation = Designation by a regulator
operator-add-accreditation-heading = Add accreditation
operator-field-basis = Basis
operator-field-body = Accreditation body
operator-field-designated-by = Designating regulator
operator-field-certificate-number = Accreditation certificate number
operator-field-valid-from = Valid from
operator-field-valid-until = Valid until
operator-add-accreditation-submit = Add accreditation
flash-operator-accreditation-added = The accreditation was added.
operator-no-bodies = No accreditation body is registered yet: add one below first.

operator-bodies-heading = Accreditation bodies
operator-bodies-empty = No accreditation bodies yet.
operator-col-arrangement = Arrangement
operator-arrangement-ilac_mra = ILAC MRA
operator-arrangement-iaf_mla = IAF MLA
operator-arrangement-ilac_mra_and_iaf_mla = ILAC MRA and IAF MLA
operator-arrangement-none = Not a signatory
operator-add-body-heading = Add an accreditation body
operator-field-body-name = Name of the body
operator-field-arrangement = Arrangement
operator-add-body-submit = Add accreditation body
flash-operator-body-added = The accreditation body was added.

## Scope
operator-scope-heading = Authorised scope
operator-scope-empty = No scope entries: this body cannot issue documents yet.
operator-col-document-type = Document type
operator-col-hs-prefix = HS prefix
operator-col-destinations = Destinations
operator-destinations-all = all countries
operator-open-ended = open-ended
operator-add-scope-heading = Add a scope entry
operator-field-document-type = Document type
operator-field-hs-prefix = HS code prefix
operator-field-destinations = Destination countries (codes separated by spaces or commas; empty means all)
operator-field-valid-until-optional = Valid until (optional)
operator-add-scope-submit = Add scope entry
flash-operator-scope-added = The scope entry was added.

## Public Key Registry
operator-certificates-title = Public Key Registry
operator-certificates-intro = The signing certificates of the issuing bodies. Only documents signed with a registered, unrevoked certificate are accepted.
operator-certificates-caption = Registered certificates
operator-certificates-for = Certificates of { $name }
operator-certificates-all = Show all certificates
operator-certificates-count = { $count ->
    [one] { $n } certificate on this page
   *[other] { $n } certificates on this page
}
operator-certificates-empty = No certificates registered.
operator-col-subject = Subject
operator-col-institution = Issuing body
operator-col-fingerprint = SHA-256 fingerprint
operator-col-key = Key
operator-col-validity = Valid
operator-col-actions = Actions
operator-validity-range = { $from } to { $to }
operator-cert-status-active = Active
operator-cert-status-superseded = Superseded
operator-cert-status-revoked = Revoked
operator-cert-is-ca = CA certificate
operator-register-heading = Register a certificate
operator-register-intro = Paste one X.509 certificate in PEM form (-----BEGIN CERTIFICATE----- …).
operator-field-institution = Issuing body
operator-field-pem = Certificate (PEM)
operator-register-submit = Register certificate
flash-operator-registered = The certificate was registered.
operator-no-cabs = No issuing body exists yet: add one on the institutions page first.
operator-revoke-reason = Revocation reason
operator-revoke-submit = Revoke
flash-operator-revoked = The certificate was revoked.
operator-details = Details
operator-reason-unspecified = Unspecified
operator-reason-key_compromise = Key compromise
operator-reason-ca_compromise = CA compromise
operator-reason-affiliation_changed = Affiliation changed
operator-reason-superseded = Superseded
operator-reason-cessation_of_operation = Cessation of operation
operator-reason-privilege_withdrawn = Privilege withdrawn

operator-certificate-title = Certificate { $serial }
operator-back-to-certificates = Back to the registry
operator-field-subject = Subject
operator-field-issuer = Issuer
operator-field-serial = Serial number
operator-field-fingerprint = SHA-256 fingerprint
operator-field-not-before = Valid from
operator-field-not-after = Valid until
operator-field-key = Key algorithm
operator-field-is-ca = CA certificate
operator-field-registered = Registered
operator-field-revoked-at = Revoked
operator-field-revocation-reason = Revocation reason
operator-field-replaces = Replaces
operator-field-replaced-by = Replaced by
operator-history-heading = History
operator-renew-heading = Renew this certificate
operator-renew-intro = Paste the new certificate in PEM form. This one is then superseded: it stays valid for documents signed before the renewal.
operator-renew-submit = Renew certificate
flash-operator-renewed = The certificate was renewed.
operator-pem-heading = Certificate in PEM form

## Users
operator-users-title = Users
operator-users-intro = People who sign in to the portal. Each belongs to one institution and holds some of its roles.
operator-users-caption = Portal users
operator-users-for = Users of { $name }
operator-users-all = Show all users
operator-users-count = { $count ->
    [one] { $n } user
   *[other] { $n } users
}
operator-users-empty = No users.
operator-col-username = User name
operator-col-display-name = Name
operator-col-second-factor = Second factor
operator-col-user-institution = Institution

operator-second-factor-enrolled = enrolled
operator-second-factor-missing = not enrolled
operator-user-status-active = Active
operator-user-status-disabled = Disabled
operator-user-locked = locked until { $until }
operator-disable = Disable
operator-enable = Enable
operator-disable-label = Disable { $username }
operator-enable-label = Enable { $username }
operator-reset-2fa = Reset second factor
operator-reset-2fa-label = Reset the second factor of { $username }
operator-create-user-heading = Add a user
operator-create-user-intro = The user signs in with this password, then sets up a one-time-code app. Passwords have 12 to 128 characters.
operator-field-username = User name
operator-field-display-name = Full name
operator-field-password = Initial password
operator-create-user-submit = Add user
flash-operator-user-created = The user was added.
flash-operator-user-disabled = The user was disabled and signed out.
flash-operator-user-enabled = The user was enabled.
flash-operator-second-factor-reset = The second factor was reset; the user sets it up again at the next sign-in.

## Audit log
operator-audit-title = Audit log
operator-audit-intro = Every change on the hub, oldest first, as recorded in the tamper-evident log. Entries hold identifiers only.
operator-audit-caption = Audit events
operator-audit-count = { $count ->
    [one] { $n } event on this page
   *[other] { $n } events on this page
}
operator-audit-empty = No events.
operator-col-leaf = Entry
operator-col-time = Time
operator-col-event = Event
operator-col-actor = Acting institution
operator-col-credential = Credential
operator-col-concerning = Concerning
operator-col-subjects = Records
operator-hub-itself = the hub

## Event types
operator-event-country_registered = Country registered
operator-event-institution_created = Institution created
operator-event-institution_status_changed = Institution status changed
operator-event-institution_withdrawal_notified = Withdrawal notified
operator-event-institution_contacts_changed = Contact points changed
operator-event-accreditation_body_created = Accreditation body created
operator-event-accreditation_created = Accreditation added
operator-event-scope_entry_created = Scope entry added
operator-event-certificate_registered = Certificate registered
operator-event-certificate_renewed = Certificate renewed
operator-event-certificate_revoked = Certificate revoked
operator-event-api_key_created = API key created
operator-event-api_key_revoked = API key revoked
operator-event-operator_bootstrapped = Operator set up
operator-event-document_submitted = Document submitted
operator-event-document_rejected = Document refused
operator-event-document_routed = Document routed to a receiver
operator-event-document_delivered = Document delivered
operator-event-document_delivery_failed = Delivery failed
operator-event-document_downloaded = PDF downloaded
operator-event-document_acknowledged = Decision sent
operator-event-document_status_changed = Document status changed
operator-event-pdf_deleted = PDF deleted
operator-event-records_purged = Records purged
operator-event-webhook_registered = Webhook registered
operator-event-webhook_removed = Webhook removed
operator-event-document_verified = Document verified
operator-event-user_created = User created
operator-event-user_status_changed = User status changed
operator-event-user_second_factor_reset = Second factor reset
operator-event-user_logged_in = User signed in
operator-event-user_login_failed = Sign-in failed
operator-event-user_locked_out = User locked out
operator-event-totp_enrolled = One-time codes set up

## Retention
operator-retention-title = Retention settings
operator-retention-intro = These are the settings in force. They are set in the hub's configuration file (sections [retention] and [exchange]) and take effect when the hub restarts; they cannot be changed here.
operator-retention-layers-heading = How long each kind of data is kept
operator-retention-exchange-heading = Exchange settings
operator-retention-pdf-deletion = When the PDF is deleted after receipt
operator-retention-trigger-on_acknowledgement = once every receiver has answered
operator-retention-trigger-on_first_download = once every receiver has downloaded it
operator-retention-pdf-ttl = Longest time a PDF stays in the cache
operator-retention-metadata = Document details and exchange records (L2)
operator-retention-evidence = Signature and hash evidence (L3)
operator-retention-pki = Certificates, revocation data and timestamps (L4)
operator-retention-audit = Audit events (L5)
operator-retention-max-pdf = Largest PDF accepted
operator-retention-download-grace = PDF kept after a first download, in case the transfer broke
operator-retention-webhook-attempts = Webhook delivery attempts
operator-retention-webhook-backoff = Webhook retry delay (first, longest)
operator-retention-webhook-timeout = Webhook request timeout
operator-retention-insecure-webhooks = Plain http:// webhooks allowed
operator-hours = { $count ->
    [one] { $n } hour
   *[other] { $n } hours
}
operator-minutes = { $count ->
    [one] { $n } minute
   *[other] { $n } minutes
}
operator-days = { $count ->
    [one] { $n } day
   *[other] { $n } days
}
operator-seconds = { $count ->
    [one] { $n } second
   *[other] { $n } seconds
}
operator-backoff-range = { $first } to { $longest }

operator-error-cursor = This page link is no longer valid; showing the first page.
operator-error-self-disable = You cannot disable your own user: another operator must do it.
operator-filter-legend = Filter
operator-filter-submit = Show
operator-pages-label = Pages of results
operator-countries-heading = Participating countries
operator-field-country-code = Country code (two letters, ISO 3166-1)
operator-field-country-name = Country name
operator-add-country-submit = Add country
operator-institution-users = Users of this institution
operator-institution-certificates = Certificates of this body
operator-field-certificate-file = Or choose a certificate file (PEM or DER)
operator-field-institution-any = Institution
operator-revoke-heading = Revoke this certificate
operator-history-registered = Registered
operator-history-renewed = Renewed
operator-history-superseded = Superseded by a renewal
operator-history-revoked = Revoked
operator-history-other = { $action }

## Messages after a change
flash-operator-country-added = The country was added.

## Labels of form fields in error messages
field-name = Name
field-country = Country
field-roles = Roles
field-role = Role
field-code = Country code
field-arrangement = Arrangement
field-basis = Basis
field-body = Accreditation body
field-designated_by = Designating regulator
field-certificate_number = Accreditation certificate number
field-valid_from = Valid from
field-destinations = Destination countries
field-certificate = Certificate
field-institution = Institution
field-effective_date = Effective date
field-display_name = Full name
field-revoked_at = Revocation time
field-hs_prefix = HS code prefix
field-username = User name
field-password = Password
