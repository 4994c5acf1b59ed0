# Принимающий орган: входящие, карточка документа, скачивание и ответ.

## Входящие
receiver-inbox-title = Входящие
receiver-inbox-intro = Документы, направленные вашему органу, сначала новые.
receiver-filter-legend = Поиск и фильтры
receiver-filter-status = Статус доставки
receiver-filter-issuer-country = Страна выдачи
receiver-filter-cab = Орган, выдавший документ
receiver-filter-document-type = Тип документа
receiver-filter-hs-prefix = Код ТН ВЭД начинается с
receiver-filter-issued-from = Выдан не ранее
receiver-filter-issued-to = Выдан не позднее
receiver-filter-any = Любой
receiver-filter-submit = Найти
receiver-filter-reset = Сбросить фильтры
receiver-inbox-caption = Полученные документы
receiver-inbox-count = { $count ->
    [one] { $n } документ на этой странице
    [few] { $n } документа на этой странице
    [many] { $n } документов на этой странице
   *[other] { $n } документа на этой странице
}
receiver-inbox-empty = Нет документов, подходящих под эти фильтры.
receiver-col-document-number = Номер документа
receiver-col-document-type = Тип
receiver-col-issuer = Выдавший орган
receiver-col-issuer-country = Страна
receiver-col-hs-codes = Коды ТН ВЭД
receiver-col-issue-date = Выдан
receiver-col-received = Получен
receiver-col-status = Статус
receiver-col-action = Действие
receiver-open = Открыть
receiver-open-label = Открыть документ { $number }
receiver-next-page = Следующая страница
receiver-first-page = Первая страница

## Карточка
receiver-detail-title = Документ { $number }
receiver-back-to-inbox = Назад ко входящим
receiver-metadata-heading = Сведения о документе
receiver-field-hub-reference = Номер в хабе
receiver-field-document-number = Номер документа
receiver-field-document-type = Тип документа
receiver-field-document-status = Статус документа
receiver-field-replaced-by = Заменён документом
receiver-field-issuer = Выдавший орган
receiver-field-hs-codes = Коды ТН ВЭД
receiver-field-product = Продукция
receiver-field-issue-date = Дата выдачи
receiver-field-valid-until = Действителен до
receiver-field-destination = Страна назначения
receiver-field-applicant = Заявитель
receiver-field-manufacturer = Изготовитель
receiver-field-standards = Применённые стандарты
receiver-field-pdf-sha256 = SHA-256 файла PDF
receiver-field-pdf-size = Размер PDF
receiver-field-submitted = Поступил в хаб
receiver-field-delivery-status = Статус доставки
receiver-field-none = нет

receiver-report-heading = Результат проверки
receiver-report-missing = Результат проверки больше не хранится (срок хранения истёк).

receiver-history-heading = История статусов
receiver-history-empty = Выдавший орган не менял статус этого документа.
receiver-history-change = { $from } → { $to }
receiver-col-when = Когда
receiver-col-change = Изменение
receiver-col-reason = Причина

receiver-audit-heading = Журнал событий
receiver-audit-intro = Записанные события по этому документу из защищённого от подделки журнала хаба.
receiver-audit-empty = Событий нет.
receiver-audit-truncated = { $count ->
    [one] Показано только первое { $n } событие.
    [few] Показаны только первые { $n } события.
    [many] Показаны только первые { $n } событий.
   *[other] Показаны только первые { $n } события.
}
receiver-col-event = Событие
receiver-col-leaf = Запись журнала

receiver-download-heading = Подписанный PDF
receiver-download = Скачать подписанный PDF
receiver-download-note = Файл PDF в точности совпадает с подписанным выдавшим органом. Скачивание записывается в журнал.
receiver-pdf-gone = PDF удалён из хаба по правилам хранения. Сведения и доказательства сохранены.
receiver-pdf-gone-page = PDF этого документа больше недоступен: он удалён по правилам хранения.

receiver-reply-heading = Ваше решение
receiver-reply-intro = Сообщите выдавшему органу, что документ получен, принят или отклонён. Для отказа нужен код причины.
receiver-reply-decision = Решение
receiver-reply-received = Получен
receiver-reply-accepted = Принят
receiver-reply-rejected = Отклонён
receiver-reply-reason-code = Код причины (заглавные латинские буквы, цифры, _ - .)
receiver-reply-reason-text = Пояснение (необязательно)
receiver-reply-submit = Отправить решение
receiver-reply-given = Ваш ответ: { $decision }, { $date }.
receiver-reply-given-code = Код причины: { $code }
receiver-reply-given-text = Пояснение: { $text }
flash-receiver-reply-sent = Ваше решение отправлено выдавшему органу.
receiver-reply-already = На этот документ уже дан ответ.

## Ошибки в формах
receiver-error-filter = Некоторые фильтры заданы неверно; поиск не выполнен.
receiver-error-cursor = Ссылка на страницу устарела; показана первая страница.

receiver-pages-label = Страницы результатов

## Результат проверки простыми словами
receiver-report-passed = Хаб проверил подпись при поступлении документа: она действительна и сделана зарегистрированным ключом.
receiver-report-indeterminate = Хабу не удалось полностью подтвердить подпись.
receiver-report-failed = Проверка подписи не пройдена.
receiver-report-intact = Файл не изменялся после подписания.
receiver-report-not-intact = Файл мог быть изменён после подписания.
receiver-report-signature-count = { $count ->
    [one] В файле { $n } подпись.
    [few] В файле { $n } подписи.
    [many] В файле { $n } подписей.
   *[other] В файле { $n } подписи.
}
receiver-report-signer = Подписал: { $name }.
receiver-report-signer-unknown = Подписанта установить не удалось.
receiver-report-document-timestamp = Файл запечатан меткой времени документа.
receiver-report-timestamped = Доверенная метка времени подтверждает, что документ подписан не позднее { $time }.
receiver-report-claimed-time = По заявлению подписанта, документ подписан { $time } (меткой времени не подтверждено).
receiver-report-chain = Сертификат подписи восходит к { $name }.
receiver-report-checked-at = Проверено { $time }.
receiver-report-sub-format_failure = Подпись или файл повреждены, либо файл изменён недопустимым для подписи образом.
receiver-report-sub-hash_failure = Подписанное содержимое не совпадает с подписью.
receiver-report-sub-sig_crypto_failure = Значение подписи не проверяется ключом подписанта.
receiver-report-sub-crypto_constraints_failure = В подписи использован алгоритм или размер ключа, который больше не принимается.
receiver-report-sub-chain_constraints_failure = Сертификат подписанта использован для того, что он не разрешает.
receiver-report-sub-certificate_chain_general_failure = Цепочка сертификатов подписанта нарушена.
receiver-report-sub-revoked = Сертификат подписанта был отозван.
receiver-report-sub-expired = Срок действия сертификата подписанта истёк.
receiver-report-sub-not_yet_valid = Сертификат подписанта ещё не действовал.
receiver-report-sub-no_signing_certificate_found = Сертификат подписанта отсутствует.
receiver-report-sub-no_certificate_chain_found = Сертификат подписанта не восходит к доверенному центру.
receiver-report-sub-try_later = Актуальные сведения об отзыве получить не удалось.

## Названия полей в сообщениях об ошибках
field-decision = Решение
field-reason_code = Код причины
field-text = Пояснение
field-issued_from = Выдан не ранее
field-issued_to = Выдан не позднее
field-issuer_country = Страна выдачи
field-cab = Выдавший орган
