// The admin's org tree (django-mptt's drag and drop) opens a few levels deep the first time it
// is shown: the units to keep closed come in data-closed, and go where django-mptt keeps the
// closed units between visits (data-storage), unless it already keeps some there. Runs before
// django-mptt's script, which reads that place when the page has loaded.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var key = script.getAttribute("data-storage");
  var closed = script.getAttribute("data-closed");
  try {
    if (key && closed && window.localStorage && window.localStorage.getItem(key) === null) {
      window.localStorage.setItem(key, closed);
    }
  } catch (error) {
    // No storage (a private window): django-mptt shows the tree closed.
  }
})();
