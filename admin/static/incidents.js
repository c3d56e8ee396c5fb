// Live 72-hour countdowns: every element with data-deadline (ISO UTC) and data-running="1"
// shows the time left, in the same words as the server ("2 d 5 h 07 min left").
(function () {
  function duration(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    var parts = days ? [days + " d"] : [];
    if (days || hours) { parts.push(hours + " h"); }
    parts.push(parts.length ? (mins < 10 ? "0" : "") + mins + " min" : mins + " min");
    return parts.join(" ");
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
