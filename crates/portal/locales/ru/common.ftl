# Общие тексты: макет, форматирование, ошибки.
language-name = Русский
app-name = Хаб e-CERT
skip-to-content = Перейти к основному содержанию
nav-label = Основная навигация
language-switcher = Язык
footer-text = Время указано в UTC. Проверка в хабе носит справочный характер и не является таможенным оформлением.
logout = Выйти
link-dashboard = Перейти на главную страницу
link-login = Перейти к входу

## Навигация
nav-dashboard = Главная
nav-documents = Мои документы
nav-upload = Загрузить документ
nav-inbox = Входящие
nav-institutions = Организации
nav-certificates = Реестр открытых ключей
nav-users = Пользователи
nav-audit = Журнал аудита
nav-retention = Сроки хранения

## Форматирование дат, времени и чисел
fmt-date = { $day } { $month } { $year } г.
fmt-datetime = { $date }, { $time } UTC
fmt-month-1 = января
fmt-month-2 = февраля
fmt-month-3 = марта
fmt-month-4 = апреля
fmt-month-5 = мая
fmt-month-6 = июня
fmt-month-7 = июля
fmt-month-8 = августа
fmt-month-9 = сентября
fmt-month-10 = октября
fmt-month-11 = ноября
fmt-month-12 = декабря
fmt-group-separator = {"\u00A0"}
fmt-decimal-separator = {","}
size-bytes = { $n } байт
size-kb = { $n } КБ
size-mb = { $n } МБ

## Ошибки
error-title = Требуется ваше внимание
error-too-many-title = Слишком много попыток
error-csrf = Форма не принята: её защитный код отсутствует или устарел. Ничего не изменено. Обновите страницу и повторите попытку.
error-too-large = Загружаемый файл больше, чем допускает хаб.
error-form-unreadable = Не удалось прочитать форму. Обновите страницу и повторите попытку.
error-page-not-found = Такой страницы нет.
error-too-many-requests = Слишком много попыток из вашей сети. Подождите минуту и повторите попытку.
error-unauthenticated = Пожалуйста, войдите в систему.
error-forbidden = Ваши роли не позволяют это сделать.
error-not-found = Запись не существует или недоступна вам.
error-invalid = Часть сведений указана неверно.
error-conflict = Это противоречит сведениям, уже имеющимся в хабе (например, номер уже использован), или данные были изменены тем временем. Проверьте и повторите попытку.
error-gone = Это больше недоступно.
error-internal = В работе хаба произошла ошибка. Повторите попытку позже; если ошибка повторяется, обратитесь к оператору хаба.

## Неверные данные: «<поле>: <причина>»
field-error = { $field }: { $reason }
field-other = Поле
reason-required = обязательно для заполнения
reason-too-long = слишком длинное
reason-too-many = содержит слишком много значений
reason-duplicate = содержит повторяющееся значение или уже используется
reason-date-future = не может быть в будущем
reason-date-expired = уже в прошлом
reason-date-order = должна быть позже даты выдачи или начала
reason-period-too-long = задаёт слишком долгий срок действия
reason-invalid = указано неверно

## Сообщения после перехода (?notice= / ?error=)
flash-logged-out = Вы вышли из системы.
flash-session-expired = Срок сеанса истёк. Войдите снова.
flash-account-disabled = Учётная запись отключена. Обратитесь к оператору хаба.

## Перечисления хаба
document-status-valid = Действителен
document-status-suspended = Приостановлен
document-status-withdrawn = Отозван
document-status-replaced = Заменён
delivery-status-pending = Ожидает доставки
delivery-status-delivered = Доставлен
delivery-status-downloaded = Скачан
delivery-status-acknowledged = Подтверждён
delivery-status-failed = Доставка не удалась
delivery-status-expired = Срок истёк до скачивания
delivery-status-pdf-deleted = Получен (PDF удалён)
document-type-coc = Сертификат соответствия
document-type-tr = Протокол испытаний
role-issuing-cab = Орган по оценке соответствия
role-regulator = Надзорный орган
role-customs = Таможня
role-management-authority = Административный орган
role-national-focal-point = Национальный координатор
role-hub-operator = Оператор хаба

## Главная страница
dashboard-title = Главная
dashboard-welcome = Добро пожаловать, { $name }.
dashboard-cab-heading = Выдаваемые вами документы
dashboard-no-documents = Вы ещё не загрузили ни одного документа.
dashboard-recent-documents = Последние документы
dashboard-receiver-heading = Документы, направленные вам
dashboard-receiver-text = Откройте входящие, чтобы найти, скачать документы, адресованные вашему органу, и ответить на них.
dashboard-operator-heading = Работа хаба
dashboard-figures = Обмен в цифрах
dashboard-documents-with-status = Документы: { $status }
dashboard-exchanges-with-status = Доставки: { $status }
dashboard-pdfs-cached = PDF-файлы, хранящиеся в хабе
