"""Action forms: the small forms on a record's page (退回、填报进展、上传佐证 …) that post to
a URL of their own and redirect back on success.

When such an action fails with a domain error (an empty 退回原因, a file of the wrong
type, a stale version), the user stays on the record's page: it is rendered again with the
message next to the form's fields and what was typed kept, with the error's status code
(4xx), and the transaction is doomed so that nothing of the attempt is written. The JSON
API and errors that leave nothing to show (404, 403) keep the one error page.

Views opt in with :func:`action`. A template may show the state itself (``h.form_error``,
``h.field_error``, ``h.posted`` and the ``form_alert``/``field_attrs``/``field_error``
macros); for a form whose template does not, the rendered page is amended: the form posted
to (found by its ``action``) gets the message at its top, each failed control its message,
``aria-invalid`` and focus, and every visible control the value that was typed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from pyramid.renderers import render_to_response

from whirlwind.errors import DomainError

# Errors after which the page can be shown again (a 404/403 has no page to show).
IN_PLACE_STATUSES = {400, 409, 413, 422}


@dataclass
class FormState:
    """A failed submission of one form of a page: its message, field messages and input."""

    form: str
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)
    # Set when the template showed the state itself (then the page is not amended).
    shown: bool = False


def _wants_json(request) -> bool:
    from whirlwind.web.views import wants_json

    return wants_json(request)


def action(
    page: Callable[..., dict],
    renderer: str,
    form: str | Callable[[object], str],
):
    """Decorate a POST action view so that a domain error re-renders its page in place.

    ``page(request)`` returns the page's template values (the record's page view),
    ``renderer`` is that page's template, ``form`` the id of the form on it (or a function
    of the request giving it, when one view serves several forms).
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request):
            try:
                return view(request)
            except DomainError as e:
                if e.status not in IN_PLACE_STATUSES or _wants_json(request):
                    raise
                # Nothing of this attempt may be written, even what a service flushed.
                request.tm.doom()
                form_id = form(request) if callable(form) else form
                values: dict[str, list[str]] = {}
                for k, v in request.POST.items():
                    if isinstance(v, str) and k != "csrf_token":
                        values.setdefault(k, []).append(v)
                request.form_state = FormState(form_id, e.message, dict(e.fields), values)
                response = render_to_response(renderer, page(request), request=request)
                response.status = e.status
                if not request.form_state.shown:
                    html = amend(response.text, request.path, request.form_state)
                    response.text = html
                return response

        return wrapper

    return decorate


def state(request, form: str) -> FormState | None:
    current = getattr(request, "form_state", None)
    if current is not None and current.form == form:
        current.shown = True
        return current
    return None


SKIPPED_TYPES = {"hidden", "file", "submit", "button", "reset", "image", "password"}


def amend(html: str, action_path: str, state: FormState) -> str:
    """``html`` with the failed form (the one posting to ``action_path``) showing ``state``."""
    soup = BeautifulSoup(html, "html.parser")
    form = next(
        (f for f in soup.find_all("form") if (f.get("action") or "").split("?")[0] == action_path),
        None,
    )
    if form is None:
        # The page no longer offers the form (e.g. the record moved on): message on top.
        target = soup.find("main") or soup.body or soup
        form_id = state.form
    else:
        target = form
        form_id = form.get("id") or state.form
        form["id"] = form_id
    alert = soup.new_tag("div", attrs={"class": "alert alert-danger py-2 small mb-2"})
    alert["role"] = "alert"
    alert["id"] = f"{form_id}-alert"
    alert.string = state.message
    target.insert(0, alert)
    if form is None:
        return str(soup)
    focused = False
    for control in form.find_all(["input", "textarea", "select"]):
        name = control.get("name")
        if not name or name == "csrf_token":
            continue
        kind = (control.get("type") or "text").lower() if control.name == "input" else ""
        if name in state.values and kind not in SKIPPED_TYPES:
            _set_value(control, kind, state.values[name], state, name)
        message = state.fields.get(name)
        if message and kind not in ("hidden",):
            error_id = f"{form_id}-{name}-error"
            control["class"] = [*control.get("class", []), "is-invalid"]
            control["aria-invalid"] = "true"
            control["aria-describedby"] = error_id
            if not focused:
                control["autofocus"] = ""
                focused = True
            feedback = soup.new_tag("div", attrs={"class": "invalid-feedback d-block"})
            feedback["id"] = error_id
            feedback.string = message
            control.insert_after(feedback)
    return str(soup)


def _set_value(control, kind: str, values: list[str], state: FormState, name: str) -> None:
    value = values[0] if values else ""
    if control.name == "textarea":
        control.string = value
    elif control.name == "select":
        for option in control.find_all("option"):
            if option.get("value", option.get_text()) in values:
                option["selected"] = ""
            elif option.has_attr("selected"):
                del option["selected"]
    elif kind in ("checkbox", "radio"):
        if control.get("value", "on") in values:
            control["checked"] = ""
        elif control.has_attr("checked"):
            del control["checked"]
    else:
        control["value"] = value


def page_for(view: Callable[..., dict], record_id: Callable[[object], int]):
    """The page ``view`` (a record page reading ``matchdict["id"]``) of another record than
    the action's own: e.g. the clue page for an action posted to one of its disposals."""

    def page(request):
        request.matchdict = {**request.matchdict, "id": str(record_id(request))}
        return view(request)

    return page
