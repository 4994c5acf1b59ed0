# Страницы органа по оценке соответствия: загрузка, документы, карточка документа.
documents-count = { $count ->
    [one] { $n } документ
    [few] { $n } документа
   *[many] { $n } документов
}

## Названия полей
field-pdf = PDF-файл
field-document_number = Номер документа
field-document_type = Вид документа
field-hs_codes = Коды ТН ВЭД
field-product_description = Описание продукции
field-issue_date = Дата выдачи
field-valid_until = Действителен до
field-destination_country = Страна назначения
field-receiving_authority = Получающий орган
field-applicant = Заявитель
field-manufacturer = Изготовитель
field-applied_standards = Применённые стандарты
field-public_token = Публичная ссылка
field-idempotency_key = Ключ запроса
field-metadata = Сведения о документе
field-status = Новый статус
field-reason = Причина
field-replaced_by = Заменён документом

## Загрузка
cab-upload-title = Загрузка подписанного документа
cab-upload-intro = Выберите подписанный PDF-файл и опишите документ. Хаб проверит подпись по вашим зарегистрированным сертификатам и области аккредитации, затем направит документ получающим органам страны назначения.
cab-scope-heading = Ваша область аккредитации
cab-scope-intro = Хаб принимает документы в пределах следующих позиций вашей области аккредитации:
cab-scope-empty = Для вашего органа ещё не зарегистрировано ни одной позиции области аккредитации: хаб будет отклонять документы, пока оператор их не добавит.
cab-scope-hs-prefix = Коды ТН ВЭД, начинающиеся с
cab-scope-destinations = Страны назначения
cab-scope-period = Период
cab-scope-all-destinations = все страны
cab-scope-from = с { $from }
cab-scope-from-until = с { $from } по { $until }
cab-pdf-hint = Подписанный PDF-файл, не более { $size }.
cab-hs-hint = Один или несколько кодов из 4–10 цифр через запятую или пробел, например 8471.30, 850440.
cab-choose = Выберите…
cab-receiving-authority-hint = Необязательно: по умолчанию документ получают все компетентные органы страны назначения.
cab-all-authorities = Все компетентные органы
cab-optional = (необязательно)
cab-standards-hint = По одному в строке.
cab-upload-submit = Загрузить и проверить

## Результат
cab-result-title = Результат загрузки
cab-verdict-accepted = Принят: документ зарегистрирован и отправлен.
cab-verdict-rejected = Отклонён: хаб не принял этот документ.
cab-rejected-nothing-stored = Ничего не сохранено и не отправлено. Устраните проблему и загрузите документ снова.
cab-replayed = Точно такой же документ уже был загружен; показан прежний результат.
cab-hub-reference = Номер в хабе
cab-sent-to = Отправлен
cab-receivers-count = { $count ->
    [one] { $n } получающему органу
   *[other] { $n } получающим органам
}
cab-public-link = Публичная страница проверки подлинности
cab-upload-another = Загрузить другой документ
cab-report-heading = Отчёт о проверке
cab-report-missing = Отчёт о проверке больше не хранится в хабе.

## Почему хаб отклонил документ
rejection-unsigned = PDF-файл не подписан.
rejection-pdf_unreadable = Не удалось прочитать PDF-файл. Убедитесь, что файл полный и не повреждён.
rejection-signature_invalid = Подпись недействительна: файл изменён после подписания или подпись повреждена.
rejection-signer_not_registered = Сертификат подписи не зарегистрирован для вашего органа в Реестре открытых ключей.
rejection-signer_other_cab = Документ подписан сертификатом другого органа.
rejection-certificate_revoked = Сертификат подписи отозван.
rejection-certificate_expired = Сертификат подписи не действовал в момент подписания документа.
rejection-cab_not_active = Ваш орган в настоящее время не активен в хабе.
rejection-not_accredited = У вашего органа нет действующей аккредитации для этого документа.
rejection-out_of_scope = Вид документа, коды ТН ВЭД или страна назначения выходят за пределы вашей области аккредитации.
rejection-no_receiver = Ни один получающий орган страны назначения не принимает документы такого вида.
rejection-other = Хаб отклонил документ.

## Документы
cab-documents-title = Мои документы
cab-filter-status = Статус
cab-filter-any = Любой
cab-filter-submit = Показать
cab-documents-on-page = { $count ->
    [one] { $n } документ на странице
    [few] { $n } документа на странице
   *[many] { $n } документов на странице
}
cab-documents-none = Документов пока нет.
cab-documents-caption = Ваши документы, начиная с новых, и их доставка каждому получающему органу
cab-document-status = Статус
cab-deliveries = Доставка
cab-pages = Страницы
cab-next-page = Следующая страница
cab-document-title = Документ { $number }
cab-submitted-at = Загружен
cab-pdf-size = Размер PDF
cab-no-deliveries = Не отправлен ни одному органу.
cab-receiver = Получающий орган
cab-delivery-status = Статус
cab-reply = Ответ
cab-updated-at = Последнее изменение
cab-reply-received = Получен
cab-reply-accepted = Принят
cab-reply-rejected = Отклонён
cab-status-history = История статуса
cab-no-status-changes = Статус не изменялся.
cab-changed-at = Когда
cab-change = Изменение
cab-change-from-to = { $from } → { $to }
cab-status-change-heading = Изменить статус
cab-status-final = Этот статус окончательный и не может быть изменён.
cab-transition-reinstate = Возобновить (снова действителен)
cab-transition-suspend = Приостановить
cab-transition-withdraw = Отозвать
cab-transition-replace = Заменить другим документом
cab-replaced-by-hint = Только при замене: документ, который заменяет этот.
cab-no-replacement = Без замены
cab-status-submit = Изменить статус
flash-status-changed = Статус изменён, получающие органы уведомлены.
