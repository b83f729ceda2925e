// Project pickers: a <select class="project-picker" data-search-url="…"> becomes a search box
// (Tom Select, vendored in static/vendor/tom-select/). Typing asks the server for at most 20
// matches by name, code or unit among the projects the form accepts; the options already in
// the <select> (the annual list) are searched here too. Without JavaScript the <select> stays.
(function () {
  "use strict";

  function setUp(select) {
    if (typeof TomSelect === "undefined" || select.tomselect) {
      return;
    }
    var url = select.dataset.searchUrl;
    var noResults = select.dataset.noResults || "";
    new TomSelect(select, {
      valueField: "value",
      dataAttr: "data-data", // the pre-loaded options carry their code there (projects.forms.ProjectPicker)
      labelField: "text",
      searchField: ["text", "code", "value"],
      placeholder: select.dataset.placeholder || "",
      maxOptions: 50,
      loadThrottle: 250,
      closeAfterSelect: true,
      allowEmptyOption: false,
      shouldLoad: function (query) {
        return query.trim().length > 0;
      },
      load: function (query, callback) {
        var address = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
        fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.ok ? response.json() : { results: [] };
          })
          .then(function (data) {
            callback(data.results);
          })
          .catch(function () {
            callback();
          });
      },
      render: {
        option: function (data, escape) {
          var code = data.code ? '<small class="muted"> ' + escape(data.code) + "</small>" : "";
          return "<div>" + escape(data.text) + code + "</div>";
        },
        no_results: function (data, escape) {
          return '<div class="no-results">' + escape(noResults) + "</div>";
        },
      },
    });
  }

  function setUpAll() {
    document.querySelectorAll("select.project-picker").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
