"""Danish messages that more than one module shows, written once. (Messages one module alone shows stay there.)"""
from __future__ import annotations

INVALID_DATA = "Data kunne ikke valideres."           # the headline of every 422 answer
REQUIRED = "Skal udfyldes."
NOT_TEXT = "Skal være tekst."
NOT_INTEGER = "Skal være et helt tal."
NOT_AN_OBJECT = "Ugyldige data: forventede et objekt."
BODY_NOT_JSON_OBJECT = "Forespørgslens indhold skal være et JSON-objekt."
BAD_REQUEST = "Forespørgslen kunne ikke forstås."
EMAIL_TAKEN = "Der findes allerede en bruger med denne e-mailadresse."
