// Type-ahead for the review queue's Source and Subject boxes (progressive enhancement).
// Each box names its completion endpoint (data-complete: /sources or /subjects, answering
// {"items": [{"id", "label", "name"}, ...]}) and the hidden field that carries the chosen
// entity's id (data-id-field). A short pause in typing fetches up to LIMIT names into the
// box's <datalist>; while the box holds a suggested name, the hidden field holds its entity's
// id, so the server need not guess between entities that share a name. Without JavaScript
// the boxes are plain text fields and the server resolves the typed name itself.
(function () {
  "use strict";
  var DELAY_MS = 150;
  var LIMIT = 20;

  function key(text) {
    return text.trim().replace(/\s+/g, " ").toLowerCase();
  }

  function enhance(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var hidden = input.form && input.form.elements.namedItem(input.dataset.idField);
    if (!list || !hidden) {
      return;
    }
    // what each suggestion writes in the box (compared ignoring case) -> the entity's id;
    // the server-rendered box starts as its current filter
    var ids = {};
    if (input.value && hidden.value) {
      ids[key(input.value)] = hidden.value;
    }
    var timer = null;
    var inFlight = null;

    function follow() {
      var id = ids[key(input.value)];
      hidden.value = id === undefined ? "" : id;
    }

    function show(items) {
      var uses = {};
      items.forEach(function (item) {
        uses[key(item.name)] = (uses[key(item.name)] || 0) + 1;
      });
      var options = [];
      ids = {};
      items.forEach(function (item) {
        // a name several suggestions share is written with the id, which the server reads
        var value = uses[key(item.name)] > 1 ? item.label + " (" + item.id + ")" : item.name;
        var option = document.createElement("option");
        option.value = value;
        if (item.label !== value) {
          option.label = item.label;
        }
        option.dataset.id = item.id;
        options.push(option);
        ids[key(value)] = item.id;
      });
      list.replaceChildren.apply(list, options);
      follow();
    }

    function complete(q) {
      if (inFlight) {
        inFlight.abort();
      }
      var controller = new AbortController();
      inFlight = controller;
      var url = input.dataset.complete + "?q=" + encodeURIComponent(q) + "&limit=" + LIMIT;
      fetch(url, { headers: { Accept: "application/json" }, signal: controller.signal })
        .then(function (response) {
          return response.ok ? response.json() : { items: [] };
        })
        .then(function (body) {
          if (inFlight === controller && key(input.value) === key(q)) {
            show(body.items || []);
            input.dataset.completed = q; // what the list was last filled for
          }
        })
        .catch(function () {
          // aborted by a newer request, or offline: the box stays a plain text field
        });
    }

    input.addEventListener("input", function () {
      follow();
      window.clearTimeout(timer);
      var q = input.value.trim();
      if (!q) {
        list.replaceChildren();
        return;
      }
      if (hidden.value) {
        return; // a suggestion was chosen (or typed in full): nothing more to fetch
      }
      timer = window.setTimeout(function () {
        complete(q);
      }, DELAY_MS);
    });
  }

  document.querySelectorAll("input[data-complete]").forEach(enhance);
})();
