# Оператор хаба: организации, аккредитация, область, реестр открытых ключей, пользователи, журнал, хранение.

operator-only = Эта страница доступна только оператору хаба.
operator-next-page = Следующая страница
operator-first-page = Первая страница
operator-none = нет
operator-any = Любой
operator-yes = да
operator-no = нет

## Статус участия
operator-status-pending = Ожидает активации
operator-status-active = Активна
operator-status-suspended = Приостановлена
operator-status-withdrawn = Вышла из соглашения

## Организации
operator-institutions-title = Организации
operator-institutions-caption = Организации-участники
operator-institutions-count = { $count ->
    [one] { $n } организация на этой странице
    [few] { $n } организации на этой странице
    [many] { $n } организаций на этой странице
   *[other] { $n } организации на этой странице
}
operator-institutions-empty = Организаций пока нет.
operator-col-name = Название
operator-col-country = Страна
operator-col-roles = Роли
operator-col-status = Статус
operator-create-institution-heading = Добавить организацию
operator-create-institution-intro = Новая организация ожидает активации; активируйте её, когда её сведения будут полными.
operator-field-name = Название
operator-field-country = Страна
operator-field-roles = Роли
operator-create-institution-submit = Добавить организацию
flash-operator-institution-created = Организация добавлена. Она ожидает активации.

operator-back-to-institutions = Назад к организациям
operator-field-id = Идентификатор в хабе
operator-field-status = Статус
operator-field-status-stored = Записанный статус
operator-field-withdrawal = Выход
operator-withdrawal-notified = уведомление от { $notice }, вступает в силу { $effective }
operator-field-contacts = Контактные лица
operator-contacts-none = Контактных лиц нет.
operator-field-created = Создана
operator-field-updated = Изменена

operator-status-change-heading = Изменить статус
operator-new-status = Новый статус
operator-status-change-submit = Изменить статус
operator-status-change-none = Из текущего статуса изменить статус нельзя.
flash-operator-status-changed = Статус изменён.

operator-withdrawal-heading = Уведомить о выходе
operator-withdrawal-intro = До даты вступления в силу организация остаётся в текущем статусе. Без даты действует срок уведомления по умолчанию — 60 дней.
operator-withdrawal-date = Дата вступления в силу (необязательно)
operator-withdrawal-submit = Уведомить о выходе
flash-operator-withdrawal-done = Уведомление о выходе записано.

## Аккредитация
operator-accreditation-heading = Аккредитация
operator-accreditation-empty = Аккредитация не записана.
operator-col-basis = Основание
operator-col-body = Орган по аккредитации
operator-col-certificate-number = Номер аттестата
operator-col-valid-from = Действует с
operator-col-valid-until = Действует до
operator-col-suspended = Приостановлена
operator-basis-iso17065 = ISO/IEC 17065 (сертификация)
operator-basis-iso17025 = ISO/IEC 17025 (испытания)
operator-basis-iso17020 = ISO/IEC 17020 (инспекция)
operator-basis-regulator_designation = Назначение регулятором
operator-add-accreditation-heading = Добавить аккредитацию
operator-field-basis = Основание
operator-field-body = Орган по аккредитации
operator-field-designated-by = Назначивший регулятор
operator-field-certificate-number = Номер аттестата аккредитации
operator-field-valid-from = Действует с
operator-field-valid-until = Действует до
operator-add-accreditation-submit = Добавить аккредитацию
flash-operator-accreditation-added = Аккредитация добавлена.
operator-no-bodies = Органы по аккредитации ещё не зарегистрированы: сначала добавьте орган ниже.

operator-bodies-heading = Органы по аккредитации
operator-bodies-empty = Органов по аккредитации пока нет.
operator-col-arrangement = Соглашение
operator-arrangement-ilac_mra = ILAC MRA
operator-arrangement-iaf_mla = IAF MLA
operator-arrangement-ilac_mra_and_iaf_mla = ILAC MRA и IAF MLA
operator-arrangement-none = Не участвует
operator-add-body-heading = Добавить орган по аккредитации
operator-field-body-name = Название органа
operator-field-arrangement = Соглашение
operator-add-body-submit = Добавить орган по аккредитации
flash-operator-body-added = Орган по аккредитации добавлен.

## Область аккредитации
operator-scope-heading = Разрешённая область
operator-scope-empty = Область не задана: этот орган пока не может выдавать документы.
operator-col-document-type = Тип документа
operator-col-hs-prefix = Начало кода ТН ВЭД
operator-col-destinations = Страны назначения
operator-destinations-all = все страны
operator-open-ended = бессрочно
operator-add-scope-heading = Добавить запись области
operator-field-document-type = Тип документа
operator-field-hs-prefix = Начало кода ТН ВЭД
operator-field-destinations = Страны назначения (коды через пробел или запятую; пусто — все)
operator-field-valid-until-optional = Действует до (необязательно)
operator-add-scope-submit = Добавить запись области
flash-operator-scope-added = Запись области добавлена.

## Реестр открытых ключей
operator-certificates-title = Реестр открытых ключей
operator-certificates-intro = Сертификаты подписи органов, выдающих документы. Принимаются только документы, подписанные зарегистрированным и не отозванным сертификатом.
operator-certificates-caption = Зарегистрированные сертификаты
operator-certificates-for = Сертификаты: { $name }
operator-certificates-all = Показать все сертификаты
operator-certificates-count = { $count ->
    [one] { $n } сертификат на этой странице
    [few] { $n } сертификата на этой странице
    [many] { $n } сертификатов на этой странице
   *[other] { $n } сертификата на этой странице
}
operator-certificates-empty = Сертификаты не зарегистрированы.
operator-col-subject = Владелец
operator-col-institution = Выдающий орган
operator-col-fingerprint = Отпечаток SHA-256
operator-col-key = Ключ
operator-col-validity = Срок действия
operator-col-actions = Действия
operator-validity-range = с { $from } по { $to }
operator-cert-status-active = Действует
operator-cert-status-superseded = Заменён
operator-cert-status-revoked = Отозван
operator-cert-is-ca = Сертификат УЦ
operator-register-heading = Зарегистрировать сертификат
operator-register-intro = Вставьте один сертификат X.509 в формате PEM (-----BEGIN CERTIFICATE----- …).
operator-field-institution = Выдающий орган
operator-field-pem = Сертификат (PEM)
operator-register-submit = Зарегистрировать сертификат
flash-operator-registered = Сертификат зарегистрирован.
operator-no-cabs = Выдающих органов ещё нет: сначала добавьте его на странице организаций.
operator-revoke-reason = Причина отзыва
operator-revoke-submit = Отозвать
flash-operator-revoked = Сертификат отозван.
operator-details = Подробнее
operator-reason-unspecified = Не указана
operator-reason-key_compromise = Компрометация ключа
operator-reason-ca_compromise = Компрометация УЦ
operator-reason-affiliation_changed = Смена принадлежности
operator-reason-superseded = Заменён
operator-reason-cessation_of_operation = Прекращение деятельности
operator-reason-privilege_withdrawn = Полномочия отозваны

operator-certificate-title = Сертификат { $serial }
operator-back-to-certificates = Назад к реестру
operator-field-subject = Владелец
operator-field-issuer = Издатель
operator-field-serial = Серийный номер
operator-field-fingerprint = Отпечаток SHA-256
operator-field-not-before = Действует с
operator-field-not-after = Действует до
operator-field-key = Алгоритм ключа
operator-field-is-ca = Сертификат УЦ
operator-field-registered = Зарегистрирован
operator-field-revoked-at = Отозван
operator-field-revocation-reason = Причина отзыва
operator-field-replaces = Заменяет
operator-field-replaced-by = Заменён сертификатом
operator-history-heading = История
operator-renew-heading = Обновить этот сертификат
operator-renew-intro = Вставьте новый сертификат в формате PEM. Этот сертификат станет заменённым: он остаётся действительным для документов, подписанных до обновления.
operator-renew-submit = Обновить сертификат
flash-operator-renewed = Сертификат обновлён.
operator-pem-heading = Сертификат в формате PEM

## Пользователи
operator-users-title = Пользователи
operator-users-intro = Люди, входящие в портал. Каждый принадлежит одной организации и имеет часть её ролей.
operator-users-caption = Пользователи портала
operator-users-for = Пользователи: { $name }
operator-users-all = Показать всех пользователей
operator-users-count = { $count ->
    [one] { $n } пользователь
    [few] { $n } пользователя
    [many] { $n } пользователей
   *[other] { $n } пользователя
}
operator-users-empty = Пользователей нет.
operator-col-username = Имя входа
operator-col-display-name = Имя
operator-col-second-factor = Второй фактор
operator-col-user-institution = Организация

operator-second-factor-enrolled = настроен
operator-second-factor-missing = не настроен
operator-user-status-active = Активен
operator-user-status-disabled = Отключён
operator-user-locked = заблокирован до { $until }
operator-disable = Отключить
operator-enable = Включить
operator-disable-label = Отключить { $username }
operator-enable-label = Включить { $username }
operator-reset-2fa = Сбросить второй фактор
operator-reset-2fa-label = Сбросить второй фактор пользователя { $username }
operator-create-user-heading = Добавить пользователя
operator-create-user-intro = Пользователь входит с этим паролем, затем настраивает приложение одноразовых кодов. Длина пароля — от 12 до 128 символов.
operator-field-username = Имя входа
operator-field-display-name = Полное имя
operator-field-password = Начальный пароль
operator-create-user-submit = Добавить пользователя
flash-operator-user-created = Пользователь добавлен.
flash-operator-user-disabled = Пользователь отключён, его сеансы завершены.
flash-operator-user-enabled = Пользователь включён.
flash-operator-second-factor-reset = Второй фактор сброшен; пользователь настроит его заново при следующем входе.

## Журнал аудита
operator-audit-title = Журнал аудита
operator-audit-intro = Все изменения в хабе, начиная с самых ранних, как они записаны в защищённом от подделки журнале. Записи содержат только идентификаторы.
operator-audit-caption = События аудита
operator-audit-count = { $count ->
    [one] { $n } событие на этой странице
    [few] { $n } события на этой странице
    [many] { $n } событий на этой странице
   *[other] { $n } события на этой странице
}
operator-audit-empty = Событий нет.
operator-col-leaf = Запись
operator-col-time = Время
operator-col-event = Событие
operator-col-actor = Действующая организация
operator-col-credential = Учётные данные
operator-col-concerning = Касается
operator-col-subjects = Записи
operator-hub-itself = сам хаб

## Типы событий
operator-event-country_registered = Страна зарегистрирована
operator-event-institution_created = Организация создана
operator-event-institution_status_changed = Статус организации изменён
operator-event-institution_withdrawal_notified = Уведомление о выходе
operator-event-institution_contacts_changed = Контактные лица изменены
operator-event-accreditation_body_created = Орган по аккредитации создан
operator-event-accreditation_created = Аккредитация добавлена
operator-event-scope_entry_created = Запись области добавлена
operator-event-certificate_registered = Сертификат зарегистрирован
operator-event-certificate_renewed = Сертификат обновлён
operator-event-certificate_revoked = Сертификат отозван
operator-event-api_key_created = Ключ API создан
operator-event-api_key_revoked = Ключ API отозван
operator-event-operator_bootstrapped = Оператор настроен
operator-event-document_submitted = Документ принят в хаб
operator-event-document_rejected = Документ отклонён хабом
operator-event-document_routed = Документ направлен получателю
operator-event-document_delivered = Документ доставлен
operator-event-document_delivery_failed = Доставка не удалась
operator-event-document_downloaded = PDF скачан
operator-event-document_acknowledged = Решение отправлено
operator-event-document_status_changed = Статус документа изменён
operator-event-pdf_deleted = PDF удалён
operator-event-records_purged = Записи удалены по сроку хранения
operator-event-webhook_registered = Вебхук зарегистрирован
operator-event-webhook_removed = Вебхук удалён
operator-event-document_verified = Документ проверен
operator-event-user_created = Пользователь создан
operator-event-user_status_changed = Статус пользователя изменён
operator-event-user_second_factor_reset = Второй фактор сброшен
operator-event-user_logged_in = Пользователь вошёл
operator-event-user_login_failed = Неудачный вход
operator-event-user_locked_out = Пользователь заблокирован
operator-event-totp_enrolled = Одноразовые коды настроены

## Хранение
operator-retention-title = Сроки хранения
operator-retention-intro = Это действующие настройки. Они задаются в файле конфигурации хаба (разделы [retention] и [exchange]) и вступают в силу после перезапуска; изменить их здесь нельзя.
operator-retention-layers-heading = Сколько хранится каждый вид данных
operator-retention-exchange-heading = Настройки обмена
operator-retention-pdf-deletion = Когда PDF удаляется после получения
operator-retention-trigger-on_acknowledgement = когда ответили все получатели
operator-retention-trigger-on_first_download = когда все получатели скачали его
operator-retention-pdf-ttl = Наибольший срок хранения PDF в кэше
operator-retention-metadata = Сведения о документах и записи обмена (L2)
operator-retention-evidence = Доказательства подписи и хэши (L3)
operator-retention-pki = Сертификаты, данные об отзыве и метки времени (L4)
operator-retention-audit = События аудита (L5)
operator-retention-max-pdf = Наибольший принимаемый PDF
operator-retention-download-grace = Сколько PDF хранится после первого скачивания на случай сбоя передачи
operator-retention-webhook-attempts = Попыток доставки вебхука
operator-retention-webhook-backoff = Задержка повтора вебхука (первая, наибольшая)
operator-retention-webhook-timeout = Тайм-аут запроса вебхука
operator-retention-insecure-webhooks = Разрешены вебхуки по http://
operator-hours = { $count ->
    [one] { $n } час
    [few] { $n } часа
    [many] { $n } часов
   *[other] { $n } часа
}
operator-minutes = { $count ->
    [one] { $n } минута
    [few] { $n } минуты
    [many] { $n } минут
   *[other] { $n } минуты
}
operator-days = { $count ->
    [one] { $n } день
    [few] { $n } дня
    [many] { $n } дней
   *[other] { $n } дня
}
operator-seconds = { $count ->
    [one] { $n } секунда
    [few] { $n } секунды
    [many] { $n } секунд
   *[other] { $n } секунды
}
operator-backoff-range = { $first } — { $longest }

operator-error-cursor = Ссылка на страницу устарела; показана первая страница.
operator-error-self-disable = Нельзя отключить собственного пользователя: это должен сделать другой оператор.
operator-filter-legend = Фильтр
operator-filter-submit = Показать
operator-pages-label = Страницы результатов
operator-countries-heading = Страны-участницы
operator-field-country-code = Код страны (две буквы, ISO 3166-1)
operator-field-country-name = Название страны
operator-add-country-submit = Добавить страну
operator-institution-users = Пользователи этой организации
operator-institution-certificates = Сертификаты этого органа
operator-field-certificate-file = Или выберите файл сертификата (PEM или DER)
operator-field-institution-any = Организация
operator-revoke-heading = Отозвать этот сертификат
operator-history-registered = Зарегистрирован
operator-history-renewed = Обновлён
operator-history-superseded = Заменён при обновлении
operator-history-revoked = Отозван
operator-history-other = { $action }

## Сообщения после изменения
flash-operator-country-added = Страна добавлена.

## Названия полей в сообщениях об ошибках
field-name = Название
field-country = Страна
field-roles = Роли
field-role = Роль
field-code = Код страны
field-arrangement = Соглашение
field-basis = Основание
field-body = Орган по аккредитации
field-designated_by = Назначивший регулятор
field-certificate_number = Номер аттестата аккредитации
field-valid_from = Действует с
field-destinations = Страны назначения
field-certificate = Сертификат
field-institution = Организация
field-effective_date = Дата вступления в силу
field-display_name = Полное имя
field-revoked_at = Время отзыва
field-hs_prefix = Начало кода ТН ВЭД
field-username = Имя входа
field-password = Пароль
