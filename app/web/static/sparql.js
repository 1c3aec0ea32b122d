// Progressive enhancement: with JavaScript on, the plain SPARQL form becomes a YASGUI editor
// (served locally from /ui/vendor/yasgui). Without it, the form works as it is.
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  var form = document.getElementById("plain-sparql");
  if (!holder || !form || typeof window.Yasgui === "undefined") {
    return;
  }
  var textarea = form.querySelector("textarea[name=query]");
  // show the editor's box before building it: CodeMirror measures its container
  holder.hidden = false;
  form.hidden = true;
  var endpoint = new URL(holder.dataset.endpoint, window.location.href).toString();
  var yasgui = new window.Yasgui(holder, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return []; } },
    persistenceId: null,
    yasqe: {
      // no remote look-ups: prefix.cc and LOV autocompleters would leave this machine
      autocompleters: ["variables"],
    },
  });
  var tab = yasgui.getTab();
  if (textarea && textarea.value) {
    tab.setQuery(textarea.value);
  }
  document.querySelectorAll("[data-example]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var pre = link.parentElement.querySelector("pre");
      if (!pre) { return; }
      event.preventDefault();
      yasgui.getTab().setQuery(pre.textContent);
      holder.scrollIntoView();
    });
  });
})();
