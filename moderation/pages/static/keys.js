// Keys for the labelling form and the queues. Every action is one fetch() that answers with the next view.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const flash = document.getElementById("flash");

  function say(message) {
    flash.textContent = message;
    flash.hidden = !message;
  }

  function typing(ev) {
    const t = ev.target;
    return ev.ctrlKey || ev.metaKey || ev.altKey ||
      (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable));
  }

  async function call(url, fields, method) {
    const options = {method: method || "POST", headers: {"X-Requested-With": "fetch", "X-CSRF-Token": csrf}};
    if (options.method === "POST") {
      const body = new FormData();
      Object.entries(fields || {}).forEach(([k, v]) => body.append(k, v));
      options.body = body;
    }
    const response = await fetch(url, options);
    if (response.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname + location.search); }
    return response;
  }

  // A select that submits its form when changed (no inline handlers: the CSP allows no inline script).
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  async function problem(response) {
    try { const e = await response.json(); return e.error.message; } catch (_) { return "error " + response.status; }
  }

  // A select that shows another view as soon as it changes (no inline handlers: the pages' CSP forbids them).
  document.querySelectorAll("select[data-autosubmit]").forEach((s) => s.addEventListener("change", () => s.form.submit()));

  // ---- labelling page ----
  const card = document.getElementById("card");
  if (card) {
    let busy = false;
    let dupIndex = -1;
    const inner = () => document.getElementById("card-inner");

    async function swap(url, fields, method) {
      if (busy) return;
      busy = true;
      try {
        const response = await call(url, fields, method);
        if (!response.ok) { say(await problem(response)); return; }
        card.innerHTML = await response.text();
        const shown = response.headers.get("X-Card-URL");
        if (shown) history.replaceState(null, "", shown);
        dupIndex = -1;
        say("");
      } finally { busy = false; }
    }

    function label(fields) {
      const id = inner().dataset.comment;
      if (!id) return;
      const dup = document.getElementById("dup-field");
      swap(card.dataset.save, Object.assign({comment_id: id, order: card.dataset.order,
                                             duplicate_of: dup ? dup.value : ""}, fields));
    }

    function show(id) {
      if (id) swap(card.dataset.show + "?c=" + encodeURIComponent(id) + "&order=" + card.dataset.order, null, "GET");
    }

    function chooseDuplicate() {
      const buttons = Array.from(document.querySelectorAll("button.dup"));
      if (!buttons.length) { say("no duplicate candidates for this comment"); return; }
      dupIndex = dupIndex + 1 >= buttons.length ? -1 : dupIndex + 1;
      buttons.forEach((b, i) => b.classList.toggle("chosen", i === dupIndex));
      const value = dupIndex < 0 ? "" : buttons[dupIndex].dataset.dup;
      document.getElementById("dup-field").value = value;
      document.getElementById("dup-chosen").textContent = value ? "chosen: now press 1, 2, 3 or o" : "";
    }

    card.addEventListener("click", (ev) => {
      const button = ev.target.closest("button");
      if (!button) return;
      if (button.classList.contains("dup")) { ev.preventDefault(); chooseDuplicate(); return; }
      if (button.form && button.form.id === "label-form") {
        ev.preventDefault();
        label(button.name === "off_topic" ? {off_topic: "1"} : {stance: button.value});
      }
    });

    const dialog = document.getElementById("guidelines");
    document.addEventListener("keydown", (ev) => {
      if (typing(ev)) return;
      if (dialog && dialog.open) { if (ev.key === "?" || ev.key === "g") { dialog.close(); ev.preventDefault(); } return; }
      const id = inner().dataset.comment;
      const keys = {"1": "favor", "2": "against", "3": "none"};
      if (keys[ev.key]) label({stance: keys[ev.key]});
      else if (ev.key === "o") label({off_topic: "1"});
      else if (ev.key === "Enter" && inner().dataset.suggest) label({stance: inner().dataset.suggest});
      else if (ev.key === "d") chooseDuplicate();
      else if (ev.key === "s" && id) swap(card.dataset.skip, {comment_id: id, order: card.dataset.order});
      else if (ev.key === "u") swap(card.dataset.undo, {comment_id: id, order: card.dataset.order});
      else if (ev.key === "ArrowLeft") show(inner().dataset.prev);
      else if (ev.key === "ArrowRight") show(inner().dataset.next);
      else if ((ev.key === "?" || ev.key === "g") && dialog) dialog.showModal();
      else if (ev.key === "b") { const d = document.getElementById("article-body"); if (d) d.open = !d.open; }
      else return;
      ev.preventDefault();
    });
  }

  // ---- adjudication page ----
  const cases = document.getElementById("cases");
  if (cases) {
    const all = () => Array.from(cases.querySelectorAll(".case"));
    let at = 0;
    function select(i) {
      const list = all();
      if (!list.length) return;
      at = Math.max(0, Math.min(i, list.length - 1));
      list.forEach((el, k) => el.classList.toggle("selected", k === at));
      list[at].scrollIntoView({block: "nearest"});
    }
    cases.addEventListener("click", (ev) => { const c = ev.target.closest(".case"); if (c) select(all().indexOf(c)); });
    cases.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && ev.target.tagName === "INPUT") ev.target.blur(); });
    document.addEventListener("keydown", (ev) => {
      if (typing(ev)) return;
      const current = all()[at];
      if (ev.key === "j") select(at + 1);
      else if (ev.key === "k") select(at - 1);
      else if (/^[1-9]$/.test(ev.key) && current) {
        const row = current.querySelector('tr.choice[data-key="' + ev.key + '"] form.gold');
        if (!row) return;
        // A note written in any row of this case goes with the label chosen by key.
        const note = Array.from(current.querySelectorAll("input[name=note]")).map((i) => i.value).find((v) => v);
        if (note) row.querySelector("input[name=note]").value = note;
        row.requestSubmit();
      } else if (ev.key === "n" && current) current.querySelector("input[name=note]").focus();
      else if (ev.key === "b" && current) {
        const d = document.querySelector("#article-" + CSS.escape(current.dataset.thread) + " details");
        if (d) { d.open = !d.open; d.scrollIntoView({block: "nearest"}); }
      } else return;
      ev.preventDefault();
    });
    select(0);
  }

  // ---- queue page ----
  const queue = document.getElementById("queue");
  if (queue) {
    let picking = null;
    const items = () => Array.from(queue.querySelectorAll(".item"));
    let at = 0;

    function select(i) {
      const all = items();
      if (!all.length) return;
      at = Math.max(0, Math.min(i, all.length - 1));
      all.forEach((el, k) => el.classList.toggle("selected", k === at));
      all[at].scrollIntoView({block: "nearest"});
    }

    async function decide(fields) {
      const item = items()[at];
      if (!item) return;
      const response = await call(queue.dataset.decide, Object.assign({comment_ids: item.dataset.ids}, fields));
      const result = response.ok ? await response.json() : null;
      if (!response.ok) { say(await problem(response)); return; }
      say(result.message || "");
      item.remove();
      const count = document.getElementById("queue-count");
      if (count) count.textContent = result.open;
      select(at);
    }

    function pick(kind) {
      const item = items()[at];
      if (!item) return;
      picking = kind;
      const picker = document.getElementById("picker-" + kind);
      item.appendChild(picker);  // beside the item it decides, not below the whole list
      picker.hidden = false;
      picker.scrollIntoView({block: "nearest"});
    }

    function closePickers() {
      picking = null;
      queue.querySelectorAll(".picker").forEach((p) => { p.hidden = true; queue.appendChild(p); });
    }

    queue.addEventListener("click", (ev) => {
      const item = ev.target.closest(".item");
      if (item) select(items().indexOf(item));
      const button = ev.target.closest("button[data-action]");
      if (button) { ev.preventDefault(); decide({action: button.dataset.action, reason_code: button.dataset.reason || "",
                                                stance: button.dataset.stance || ""}); closePickers(); }
    });

    document.addEventListener("keydown", (ev) => {
      if (typing(ev)) return;
      if (picking) {
        const choice = queue.querySelector('#picker-' + picking + ' button[data-key="' + ev.key + '"]');
        if (choice) choice.click();
        else if (ev.key === "Escape") closePickers();
        ev.preventDefault();
        return;
      }
      if (ev.key === "j") select(at + 1);
      else if (ev.key === "k") select(at - 1);
      else if (ev.key === "a") decide({action: "approve"});
      else if (ev.key === "r") pick("reject");
      else if (ev.key === "l") pick("relabel");
      else return;
      ev.preventDefault();
    });
    select(0);
  }
})();
