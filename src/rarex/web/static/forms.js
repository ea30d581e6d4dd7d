/* Rarex forms, a little better with JavaScript; every form works without it.
   - A file is checked for its size and type before it is sent, and the problem is shown
     beside the field.
   - An upload shows its progress, then the page the server answers (the same page as
     without JavaScript).
   - Enter in the item finder finds; elsewhere it continues. */
(function () {
  "use strict";

  function problemOf(input) {
    var limit = Number(input.getAttribute("data-max-bytes") || 0);
    var file = input.files && input.files[0];
    if (!file) { return ""; }
    if (limit && file.size > limit) {
      return input.form.getAttribute("data-too-large") || "too large";
    }
    var accepted = (input.getAttribute("accept") || "").split(",");
    var name = file.name.toLowerCase();
    if (accepted[0] && !accepted.some(function (suffix) { return name.endsWith(suffix); })) {
      return input.form.getAttribute("data-wrong-type") || "wrong type";
    }
    return "";
  }

  function showProblem(input, message) {
    var shown = document.getElementById(input.id.replace(/^file$/, "file") + "-error") ||
      input.parentNode.querySelector(".error");
    if (!shown) { return; }
    shown.textContent = message;
    shown.hidden = !message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
    if (message) { input.setAttribute("aria-describedby", shown.id); input.focus(); }
  }

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      var problem = input ? problemOf(input) : "";
      if (problem) {
        event.preventDefault();
        showProblem(input, problem);
        return;
      }
      if (!input || !input.files || !input.files.length || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var progress = form.querySelector("progress");
      var button = form.querySelector("button[type=submit]");
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.addEventListener("progress", function (e) {
        if (progress && e.lengthComputable) {
          progress.hidden = false;
          progress.value = Math.round((100 * e.loaded) / e.total);
        }
      });
      request.addEventListener("load", function () {
        // the page the server answered (the application again, or the form with its
        // problem), already fetched: shown as it is, at its own address
        if (request.responseURL && request.responseURL !== window.location.href) {
          window.history.replaceState(null, "", request.responseURL);
        }
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener("error", function () { form.submit(); });
      if (button) { button.disabled = true; }
      request.send(new FormData(form));
    });
  });

  var finder = document.querySelector("input[data-enter=find]");
  if (finder) {
    finder.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        document.getElementById("find").click();
      }
    });
  }
})();
