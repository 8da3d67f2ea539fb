// The room page: one websocket to the server, which does all the searching and rendering.
// Text typed by the visitor is only ever set with textContent or sent to the server; the HTML
// that comes back was escaped there (helpers.app.escape), and the chart is shown as an <img>,
// where an SVG can run no script.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const controls = ["query", "corpus", "topk", "go"];
  let socket = null;
  let options = null;
  let pending = null; // id of the query whose answer the page waits for
  let nextId = 0;
  let chartUrl = null;
  let finished = false; // the server said why it closed: no "connection lost" banner

  function enable(on) {
    for (const id of controls) $(id).disabled = !on;
  }

  function setBusy(query) {
    const busy = $("busy");
    busy.hidden = query === null;
    busy.textContent = query === null ? "" : `Searching for “${query}”…`;
    document.body.classList.toggle("busy", query !== null);
    $("results").setAttribute("aria-busy", query === null ? "false" : "true");
  }

  function search() {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const query = $("query").value;
    pending = ++nextId;
    setBusy(query);
    socket.send(JSON.stringify({ id: pending, query, corpus: $("corpus").value, top_k: Number($("topk").value) }));
  }

  function showExamples(corpus) {
    const box = $("examples");
    box.replaceChildren(Object.assign(document.createElement("span"), { textContent: "Try:" }));
    for (const text of options.examples[corpus] || []) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = text;
      button.title = text;
      button.addEventListener("click", () => { $("query").value = text; search(); });
      box.append(button);
    }
  }

  function hello(message) {
    options = message;
    const select = $("corpus");
    select.replaceChildren(...message.corpora.map(({ key, label }) =>
      Object.assign(document.createElement("option"), { value: key, textContent: label })));
    select.value = message.start.corpus;
    $("topk").max = String(message.max_top_k);
    $("topk").value = String(message.start.top_k);
    $("query").value = message.start.query;
    showExamples(message.start.corpus);
    enable(true);
    $("status").textContent = message.problems.join(" ");
    search();
  }

  function results(message) {
    if (message.id !== pending) return; // an older answer: a newer query is on its way
    setBusy(null);
    $("status").innerHTML = message.note_html;
    $("results").innerHTML = message.results_html;
    const plot = $("plot");
    if (message.svg) {
      const url = URL.createObjectURL(new Blob([message.svg], { type: "image/svg+xml" }));
      plot.alt = message.alt;
      plot.src = url; // last: a waiting test sees the chart change after the columns
      plot.hidden = false;
      if (chartUrl) URL.revokeObjectURL(chartUrl);
      chartUrl = url;
    } else {
      plot.hidden = true;
    }
  }

  function banner(text) {
    const box = $("banner");
    const reload = Object.assign(document.createElement("button"), { type: "button", textContent: "Reload" });
    reload.addEventListener("click", () => location.reload());
    box.replaceChildren(document.createTextNode(text), reload);
    box.hidden = false;
  }

  function roomFull(text) {
    finished = true;
    const note = Object.assign(document.createElement("p"), { className: "app-room-full", textContent: text });
    note.setAttribute("role", "alert");
    $("room").replaceChildren(note);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/session${location.search}`);
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "hello") hello(message);
      else if (message.type === "results") results(message);
      else if (message.type === "full") roomFull(message.message);
      else if (message.type === "error" && message.id === pending) {
        setBusy(null);
        const error = Object.assign(document.createElement("div"), { className: "app-error", textContent: message.message });
        error.setAttribute("role", "alert");
        $("status").replaceChildren(error);
      }
    });
    socket.addEventListener("close", (event) => {
      setBusy(null);
      enable(false);
      if (event.code === 4003) { location.href = "/login"; return; }
      if (!finished) banner("Connection lost: the search server stopped or dropped this page. Reload to reconnect.");
    });
  }

  $("controls").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  $("corpus").addEventListener("change", () => {
    const corpus = $("corpus").value;
    const examples = Object.values(options.examples).flat();
    if (examples.includes($("query").value)) $("query").value = options.examples[corpus][0];
    showExamples(corpus);
    search();
  });
  $("topk").addEventListener("change", search);
  connect();
})();
