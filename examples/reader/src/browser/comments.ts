export {};
// Progressive enhancement of the comment form: without this script the form posts to the
// reader, which posts to the API and renders the page again with the API's messages. With it,
// the same post is sent in the background (asking the reader for JSON) and the messages appear
// next to their fields without a reload. Every message comes from the API's answer.
const form = document.querySelector<HTMLFormElement>("form[data-comment-form]");

if (form) {
  const status = form.querySelector<HTMLElement>(".form-status");
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
  const parent = form.querySelector<HTMLInputElement>("input[name=parent_id]");
  const replying = form.querySelector<HTMLElement>(".replying");

  const show = (element: HTMLElement | null, text: string | undefined) => {
    if (!element) return;
    element.textContent = text ?? "";
    element.hidden = !text;
  };

  const fieldMessages = (errors: Record<string, string>) => {
    let first: HTMLElement | null = null;
    for (const control of Array.from(form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input[name], textarea[name]"))) {
      if (control.type === "hidden") continue;
      const message = errors[control.name];
      const holder = document.getElementById(`f-${control.name}-error`);
      show(holder, message);
      control.closest(".field")?.classList.toggle("invalid", Boolean(message));
      if (message) {
        control.setAttribute("aria-invalid", "true");
        first ??= control;
      } else {
        control.removeAttribute("aria-invalid");
      }
    }
    first?.focus();
  };

  // "Reply" links fill the hidden parent id and move to the form, without a reload.
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const reply = target?.closest<HTMLAnchorElement>("a[data-reply-to]");
    const cancel = target?.closest<HTMLAnchorElement>("a[data-cancel-reply]");
    if (!reply && !cancel) return;
    event.preventDefault();
    const id = reply?.dataset.replyTo ?? "";
    if (parent) parent.value = id;
    if (replying) {
      replying.hidden = !id;
      const link = replying.querySelector("a");
      if (link && id) {
        link.href = `#comment-${id}`;
        link.textContent = `#${id}`;
      }
    }
    form.querySelector<HTMLTextAreaElement>("textarea")?.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button) button.disabled = true;
    status?.classList.remove("error");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(new FormData(form) as unknown as Record<string, string>),
      });
      const answer = (await response.json()) as {
        status?: string;
        notice?: string;
        errors?: Record<string, string>;
        general?: string;
      };
      fieldMessages(answer.errors ?? {});
      if (response.ok) {
        form.reset();
        if (parent) parent.value = "";
        if (replying) replying.hidden = true;
        show(status, answer.notice);
      } else {
        status?.classList.add("error");
        show(status, answer.general);
      }
    } catch {
      // The network failed: fall back to the plain form post, which reports it.
      form.submit();
    } finally {
      if (button) button.disabled = false;
    }
  });
}
