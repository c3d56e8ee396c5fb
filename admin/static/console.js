// Console behaviour, served from our own origin because the CSP allows no inline script.

// Flask-Admin's tabs and dropdown toggles are javascript:void(0) links, which the CSP refuses
// to follow (and reports); cancel them here. (Its column_filters menu also has an inline onclick,
// which no script can rescue: console views use search instead.)
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest('a[href^="javascript:"]');
  if (link) {
    event.preventDefault();  // in the capture phase, before any handler can stop the event
  }
}, true);

// Confirmation before destructive posts: <form data-confirm="Question?">.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
