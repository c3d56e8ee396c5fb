// Live 72-hour countdowns: every element with data-deadline (ISO UTC) and data-running="1"
// shows the time left, in the same words as the server ("66 h 07 min left").
(function () {
  function duration(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var hours = Math.floor(minutes / 60);
    var mins = minutes % 60;
    return hours ? hours + " h " + (mins < 10 ? "0" : "") + mins + " min" : mins + " min";
  }
  function tick() {
    var clocks = document.querySelectorAll("[data-deadline][data-running='1']");
    for (var i = 0; i < clocks.length; i++) {
      var left = Date.parse(clocks[i].getAttribute("data-deadline")) - Date.now();
      clocks[i].textContent = left > 0 ? duration(left) + " left" : "overdue by " + duration(left);
      if (left <= 0) { clocks[i].className = clocks[i].className.replace(/badge-(info|warning)/, "badge-danger"); }
    }
  }
  tick();
  window.setInterval(tick, 15000);
})();
