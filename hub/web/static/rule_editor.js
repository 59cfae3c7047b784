// Rule editor: YAML highlighting under a transparent textarea, and live checks by
// the server's own rule compiler (POST /rules/validate) a moment after typing stops.
"use strict";
(() => {
  const form = document.getElementById("rule-form");
  const text = document.getElementById("rule-text");
  const highlight = document.getElementById("highlight");
  const list = document.getElementById("problems");
  const state = document.getElementById("check-state");
  if (!form || !text || !highlight) {
    return;
  }
  const token = form.querySelector("input[name=csrf_token]").value;
  let errorLines = new Set();
  let timer = null;
  let sequence = 0;
  let tabLeaves = false; // after Escape, Tab moves focus on (keyboard users are never trapped)

  const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

  function paintValue(value) {
    let v = escape(value);
    v = v.replace(/("[^"]*"|'[^']*')/g, '<span class="tok-str">$1</span>');
    v = v.replace(/\b(true|false|null|yes|no)\b/g, '<span class="tok-bool">$1</span>');
    v = v.replace(/(^|[\s\[{,:])(-?\d+(?:\.\d+)?)(?=[\s\]},]|$)/g, '$1<span class="tok-num">$2</span>');
    return v;
  }

  function paintLine(line) {
    // comment: a # at the start or after a space, outside quotes (good enough for rule files)
    let body = line;
    let comment = "";
    const hash = line.search(/(^|\s)#/);
    if (hash >= 0 && (line.slice(0, hash).split('"').length % 2 === 1)) {
      const at = line[hash] === "#" ? hash : hash + 1;
      body = line.slice(0, at);
      comment = '<span class="tok-com">' + escape(line.slice(at)) + "</span>";
    }
    const key = body.match(/^(\s*)(- )?([A-Za-z_][\w .-]*)(:)(.*)$/);
    if (key) {
      const dash = key[2] ? '<span class="tok-dash">- </span>' : "";
      return key[1] + dash + '<span class="tok-key">' + escape(key[3]) + "</span>:" +
        paintValue(key[5]) + comment;
    }
    const item = body.match(/^(\s*)(- )(.*)$/);
    if (item) {
      return item[1] + '<span class="tok-dash">- </span>' + paintValue(item[3]) + comment;
    }
    return paintValue(body) + comment;
  }

  function paint() {
    const lines = text.value.split("\n");
    highlight.innerHTML = lines.map((line, i) => {
      const html = paintLine(line) || " ";
      return errorLines.has(i + 1) ? '<span class="tok-err">' + html + "</span>" : html;
    }).join("\n") + "\n";
    highlight.scrollTop = text.scrollTop;
    highlight.scrollLeft = text.scrollLeft;
  }

  function show(problems) {
    list.replaceChildren();
    errorLines = new Set();
    for (const p of problems) {
      const li = document.createElement("li");
      li.className = p.severity;
      li.textContent = p.text;
      if (p.line) {
        li.dataset.line = p.line;
        if (p.severity === "error") {
          errorLines.add(p.line);
        }
      }
      list.appendChild(li);
    }
    const errors = problems.filter((p) => p.severity === "error").length;
    state.textContent = errors ? errors + " error(s): the file cannot go live as it is." :
      problems.length ? "No errors; " + problems.length + " warning(s)." : "No problems found.";
    paint();
  }

  async function check() {
    const mine = ++sequence;
    state.textContent = "Checking...";
    const body = new URLSearchParams({ text: text.value });
    try {
      const response = await fetch(form.dataset.validateUrl, {
        method: "POST", body, headers: { "X-CSRF-Token": token }, credentials: "same-origin",
      });
      const answer = await response.json();
      if (mine === sequence) {
        if (response.ok) {
          show(answer.problems);
        } else {
          state.textContent = (answer.error && answer.error.message) || "The check failed.";
        }
      }
    } catch (error) {
      state.textContent = "Cannot reach the server to check the file.";
    }
  }

  text.addEventListener("input", () => {
    paint();
    clearTimeout(timer);
    timer = setTimeout(check, 500);
  });
  text.addEventListener("scroll", () => {
    highlight.scrollTop = text.scrollTop;
    highlight.scrollLeft = text.scrollLeft;
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      tabLeaves = true;
      return;
    }
    if (event.key === "Tab" && !tabLeaves && !event.shiftKey && !event.ctrlKey && !event.altKey) {
      event.preventDefault(); // two spaces, as YAML wants
      text.setRangeText("  ", text.selectionStart, text.selectionEnd, "end");
      text.dispatchEvent(new Event("input"));
    }
    tabLeaves = false;
  });
  list.addEventListener("click", (event) => {
    const line = Number(event.target.dataset && event.target.dataset.line);
    if (line) {
      const offset = text.value.split("\n").slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
      text.focus();
      text.setSelectionRange(offset, offset);
    }
  });
  for (const li of list.querySelectorAll("li.error[data-line]")) {
    errorLines.add(Number(li.dataset.line));
  }
  paint();
})();
