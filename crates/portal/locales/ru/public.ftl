# Публичная страница подлинности (`/v/{token}`, цель QR-кода), формируется для сервера.

public-title = Подлинность документа
public-heading = Проверка подлинности документа
public-status-valid = ДЕЙСТВИТЕЛЕН
public-status-suspended = ПРИОСТАНОВЛЕН
public-status-withdrawn = ОТОЗВАН / АННУЛИРОВАН
public-status-replaced = ЗАМЕНЁН
public-status-not-available = НЕДОСТУПНО
public-explain-valid = Документ зарегистрирован в хабе, и выдавший его орган не изменял его статус.
public-explain-suspended = Выдавший орган приостановил действие документа. Не полагайтесь на него до возобновления.
public-explain-withdrawn = Выдавший орган отозвал документ. На него нельзя полагаться.
public-explain-replaced = Выдавший орган заменил документ другим. Используйте новый документ.
public-explain-not-available = По этой ссылке сведения недоступны.
public-replacement-link = Открыть документ, заменивший этот
public-issuing-body = Выдавший орган
public-country = Страна
public-document-type = Вид документа
public-issue-date = Дата выдачи
public-valid-until = Действителен до

## Сравнение копии
public-compare-heading = Сравнить вашу копию
public-compare-explain = Выберите полученный PDF-файл. Хаб проверит, совпадает ли он в точности с зарегистрированным документом. Файл не сохраняется.
public-compare-button = Сравнить
public-compare-match = Файл идентичен зарегистрированному документу.
public-compare-mismatch = Файл НЕ идентичен зарегистрированному документу.
public-compare-too-large = Файл слишком большой.
public-compare-not-pdf = Файл не является PDF-документом.
public-compare-bad-upload = Не удалось прочитать загрузку. Выберите файл ещё раз.
public-back-to-page = Вернуться к документу

## Ограничение частоты
public-too-many-title = Слишком много запросов
public-too-many-explain = Подождите минуту и повторите попытку.

public-disclaimer = Проверка в хабе даёт справочные сведения о подписи документа, регистрации выдавшего его органа и статусе документа. Она не является юридическим признанием документа и не является таможенным оформлением: эти решения принимают компетентные органы страны ввоза.
public-language = Язык
