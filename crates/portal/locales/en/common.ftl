# Shared by every page: layout, formatting, errors.
language-name = English
app-name = e-CERT Hub
skip-to-content = Skip to main content
nav-label = Main navigation
language-switcher = Language
footer-text = Times are shown in UTC. Hub verification is reference information, not customs clearance.
logout = Log out
link-dashboard = Go to the dashboard
link-login = Go to the login page

## Navigation
nav-dashboard = Dashboard
nav-documents = My documents
nav-upload = Upload a document
nav-inbox = Inbox
nav-institutions = Institutions
nav-certificates = Public Key Registry
nav-users = Users
nav-audit = Audit log
nav-retention = Retention

## Formatting: dates, times, numbers. A new language sets these to its own conventions.
fmt-date = { $day } { $month } { $year }
fmt-datetime = { $date }, { $time } UTC
fmt-month-1 = January
fmt-month-2 = February
fmt-month-3 = March
fmt-month-4 = April
fmt-month-5 = May
fmt-month-6 = June
fmt-month-7 = July
fmt-month-8 = August
fmt-month-9 = September
fmt-month-10 = October
fmt-month-11 = November
fmt-month-12 = December
fmt-group-separator = {","}
fmt-decimal-separator = {"."}
size-bytes = { $n } bytes
size-kb = { $n } KB
size-mb = { $n } MB

## Errors
error-title = Something needs your attention
error-too-many-title = Too many attempts
error-csrf = The form could not be accepted because its security token was missing or out of date. Nothing was changed. Reload the page and try again.
error-too-large = The upload is larger than the hub accepts.
error-form-unreadable = The form could not be read. Reload the page and try again.
error-page-not-found = This page does not exist.
error-too-many-requests = Too many attempts from your network. Please wait a minute and try again.
error-unauthenticated = Please log in.
error-forbidden = Your roles do not allow this.
error-not-found = This record does not exist or is not yours to see.
error-invalid = Some of the information is not valid.
error-conflict = This conflicts with information already in the hub (for example a number that is already used), or it was changed in the meantime. Check and try again.
error-gone = This is no longer available.
error-internal = Something went wrong on the hub. Please try again later; if it keeps happening, contact the hub operator.

## Invalid input: "<field>: <reason>"
field-error = { $field }: { $reason }
field-other = A field
reason-required = is required
reason-too-long = is too long
reason-too-many = has too many entries
reason-duplicate = lists the same entry twice, or is already used
reason-date-future = must not be in the future
reason-date-expired = is already in the past
reason-date-order = is not later than the issue or start date
reason-period-too-long = gives a validity period that is too long
reason-invalid = is not valid

## Messages after a redirect (?notice= / ?error=)
flash-logged-out = You have logged out.
flash-session-expired = Your session has expired. Please log in again.
flash-account-disabled = This account is disabled. Contact the hub operator.

## The hub's enumerations
document-status-valid = Valid
document-status-suspended = Suspended
document-status-withdrawn = Withdrawn
document-status-replaced = Replaced
delivery-status-pending = Waiting for delivery
delivery-status-delivered = Delivered
delivery-status-downloaded = Downloaded
delivery-status-acknowledged = Acknowledged
delivery-status-failed = Delivery failed
delivery-status-expired = Expired before download
delivery-status-pdf-deleted = Received (PDF deleted)
document-type-coc = Certificate of conformity
document-type-tr = Test report
role-issuing-cab = Issuing conformity assessment body
role-regulator = Regulator
role-customs = Customs
role-management-authority = Management authority
role-national-focal-point = National focal point
role-hub-operator = Hub operator

## Dashboard
dashboard-title = Dashboard
dashboard-welcome = Welcome, { $name }.
dashboard-cab-heading = Documents you issue
dashboard-no-documents = You have not uploaded any documents yet.
dashboard-recent-documents = Recent documents
dashboard-receiver-heading = Documents sent to you
dashboard-receiver-text = Open your inbox to find, download and answer the documents addressed to your authority.
dashboard-operator-heading = Running the hub
dashboard-figures = The exchange in figures
dashboard-documents-with-status = Documents: { $status }
dashboard-exchanges-with-status = Deliveries: { $status }
dashboard-pdfs-cached = PDF files held by the hub
