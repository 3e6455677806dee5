// Progressive enhancement only: every page works without it.
// Move focus to the error summary so screen-reader and keyboard users hear what to fix first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  readAloud(document.getElementById("read-aloud"));
  sessionTimeout(document.getElementById("session-timeout"));
  // A kiosk is a shared terminal: warn after a quiet spell, then sign out (the server also ends the
  // sign-in after the same time, so this is a courtesy, not the safeguard).
  var signOut = document.getElementById("kiosk-sign-out");
  if (signOut) {
    var idle = parseInt(signOut.getAttribute("data-kiosk-idle"), 10) * 1000;
    var warning = document.createElement("div");
    warning.className = "notice notice-warn kiosk-warning";
    warning.setAttribute("role", "alert");
    warning.hidden = true;
    warning.textContent = "即将自动退出。如需继续，请触摸屏幕。";
    document.body.insertBefore(warning, document.body.firstChild);
    var warnTimer, outTimer;
    var restart = function () {
      warning.hidden = true;
      clearTimeout(warnTimer);
      clearTimeout(outTimer);
      warnTimer = setTimeout(function () { warning.hidden = false; }, Math.max(idle - 30000, 0));
      outTimer = setTimeout(function () {
        var left = document.createElement("input");
        left.type = "hidden"; left.name = "left"; left.value = "1"; // nobody is there to rate
        signOut.appendChild(left);
        speechForget();
        signOut.submit();
      }, idle);
    };
    signOut.addEventListener("submit", speechForget);
    ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    restart();
  }
  // Counties follow the chosen city at once (without script, saving the page narrows them instead).
  document.querySelectorAll("select[data-counties-of]").forEach(function (county) {
    var city = document.getElementById(county.getAttribute("data-counties-of"));
    var byCity = JSON.parse(county.getAttribute("data-counties") || "{}");
    if (!city) {
      return;
    }
    city.addEventListener("change", function () {
      var chosen = county.value;
      var names = byCity[city.value] || {};
      while (county.options.length > 1) {
        county.remove(1);
      }
      Object.keys(names).forEach(function (code) {
        county.add(new Option(names[code], code, false, code === chosen));
      });
    });
  });
  // A kiosk's start page, or a counter window's: the terminal's card reader and camera.
  var reader = document.querySelector("form[data-card-reader]");
  if (reader) {
    kioskDevices(reader);
  }
  // At a counter window, a proof is scanned with the window's document camera (高拍仪), not chosen.
  var scanner = document.body.getAttribute("data-scanner");
  if (scanner) {
    document.querySelectorAll("input[type=file][data-scan]").forEach(function (input) {
      documentCamera(input, scanner);
    });
  }
  // A counter window's signature pad (签名板): the person signs, the pad's signed capture goes with the form.
  var pad = document.querySelector("[data-signature-pad]");
  if (pad) {
    signaturePad(pad);
  }
  // A counter window's evaluator (评价器): ask the person to rate, then pass on what they pressed.
  var evaluator = document.querySelector("form[data-evaluator]");
  if (evaluator) {
    windowEvaluator(evaluator);
  }
  // A kiosk's receipt printer (the terminal's local device service): shown only when script can reach it.
  var slip = document.getElementById("print-slip");
  if (slip) {
    var printStatus = document.getElementById("print-status");
    slip.hidden = false;
    slip.addEventListener("click", function () {
      slip.disabled = true;
      fetch(slip.getAttribute("data-devices") + "/printer/jobs", {
        method: "POST", headers: { "Content-Type": "text/plain" }, body: slip.getAttribute("data-slip")
      })
        .then(function (r) { if (!r.ok) { throw new Error("printer"); } return r.json(); })
        .then(function () { printStatus.textContent = "回执已打印，请在出纸口取走。"; })
        .catch(function () { printStatus.textContent = "打印机暂时不能使用，请用短信发送回执。"; })
        .then(function () { slip.disabled = false; });
    });
  }
  // A print button where the page offers one (shown only when it can work).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
});


function documentCamera(input, scanner) {
  var button = document.createElement("button");
  var status = document.createElement("span");
  button.type = "button";
  button.className = "button button-secondary";
  button.textContent = "用高拍仪扫描";
  status.setAttribute("role", "status");
  status.className = "hint";
  input.insertAdjacentElement("afterend", status);
  input.insertAdjacentElement("afterend", button);
  button.addEventListener("click", function () {
    button.disabled = true;
    fetch(scanner + "/capture", { method: "POST" })
      .then(function (r) { if (!r.ok) { throw new Error("scanner"); } return r.blob(); })
      .then(function (blob) {
        var chosen = new DataTransfer();
        chosen.items.add(new File([blob], "窗口扫描.jpg", { type: "image/jpeg" }));
        input.files = chosen.files;
        status.textContent = "已扫描一页，请提交。";
      })
      .catch(function () { status.textContent = "高拍仪暂时不能使用，请检查连接，或选择已扫描的文件。"; })
      .then(function () { button.disabled = false; });
  });
}

function signaturePad(box) {
  var button = document.getElementById("handwriting-take");
  var reading = document.getElementById("handwriting-reading");
  var preview = document.getElementById("handwriting-preview");
  var status = document.getElementById("handwriting-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "请申请人在签名板上签名……";
    fetch(box.getAttribute("data-challenge"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (c) {
        return fetch(box.getAttribute("data-signature-pad") + "/capture?challenge=" + encodeURIComponent(c.challenge), { method: "POST" });
      })
      .then(function (r) { if (!r.ok) { throw new Error("pad"); } return r.text(); })
      .then(function (text) {
        reading.value = text;
        preview.src = "data:image/png;base64," + JSON.parse(text).image;
        preview.hidden = false;
        button.textContent = "重新签名";
        status.textContent = "已收到签名，请核对后提交。";
      })
      .catch(function () { status.textContent = "签名板暂时不能使用，请检查连接后重试。"; })
      .then(function () { button.disabled = false; });
  });
}

function windowEvaluator(form) {
  var devices = form.getAttribute("data-devices");
  var rating = document.getElementById("rating");
  var status = document.getElementById("evaluator-status");
  var read = function () {
    fetch(form.getAttribute("data-challenge"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (c) { return fetch(devices + "/evaluator?challenge=" + encodeURIComponent(c.challenge)); })
      .then(function (r) { if (!r.ok) { throw new Error("not yet"); } return r.text(); })
      .then(function (text) {
        rating.value = text;
        if (status.textContent !== "已收到评价器的评价，请提交。") { status.textContent = "已收到评价器的评价，请提交。"; }
      })
      .catch(function () { setTimeout(read, 1500); });
  };
  fetch(devices + "/evaluator/prompt", { method: "POST" }).then(read, read);
}

function maskedName(name) {
  return Array.from(name).map(function (c, i) { return i === 0 || c === "·" ? c : "*"; }).join("");
}

function kioskDevices(form) {
  var devices = form.getAttribute("data-devices");
  var card = document.getElementById("card");
  var status = document.getElementById("card-status");
  var waiting = status.textContent;
  var say = function (text) { // a live region: announced when it changes, not on every reading
    if (status.textContent !== text) { status.textContent = text; }
  };
  var readCard = function () {
    fetch(form.getAttribute("data-challenge"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (c) { return fetch(devices + "/card?challenge=" + encodeURIComponent(c.challenge)); })
      .then(function (r) { if (!r.ok) { throw new Error("no card"); } return r.text(); })
      .then(function (text) {
        var read = JSON.parse(text);
        card.value = text;
        say("已读取身份证：" + maskedName(read.name) + "（" + read.id_number.slice(0, 6) + "********" +
          read.id_number.slice(-4) + "）");
        // Read again soon: another card may take its place (at a window the agent's, then the
        // applicant's), and each reading's challenge lasts 5 minutes.
        setTimeout(readCard, 2000);
      })
      .catch(function () {
        card.value = "";
        say(waiting);
        setTimeout(readCard, 1500);
      });
  };
  readCard();
  var camera = document.getElementById("kiosk-camera");
  if (!camera) { return; } // a page that reads a card only (a window's 帮办代办: the applicant's card)
  var preview = document.getElementById("kiosk-preview");
  var photo = document.getElementById("kiosk-photo");
  var capture = document.getElementById("kiosk-capture");
  var file = document.getElementById("photo");
  camera.hidden = false;
  document.getElementById("photo-field").hidden = true;
  var frame = function () {
    if (photo.hidden) { preview.src = devices + "/camera/frame?t=" + Date.now(); }
  };
  preview.addEventListener("load", function () { setTimeout(frame, 500); });
  preview.addEventListener("error", function () { setTimeout(frame, 2000); });
  frame();
  capture.addEventListener("click", function () {
    if (!photo.hidden) { // 重新拍照: back to the live picture
      photo.hidden = true; preview.hidden = false; capture.textContent = "拍照"; file.value = ""; frame();
      return;
    }
    fetch(devices + "/camera/capture", { method: "POST" })
      .then(function (r) { if (!r.ok) { throw new Error("camera"); } return r.blob(); })
      .then(function (blob) {
        var chosen = new DataTransfer();
        chosen.items.add(new File([blob], "camera.jpg", { type: "image/jpeg" }));
        file.files = chosen.files;
        photo.src = URL.createObjectURL(blob);
        photo.hidden = false; preview.hidden = true; capture.textContent = "重新拍照";
      });
  });
}


// 朗读 (issue 22): the browser's own speech synthesis reads the page and the current question; nothing
// leaves the machine. On the web it is off until asked for and then remembered; on a kiosk it is on
// (spoken guidance at each step) until the person turns it off, and forgotten when they sign out.
var SPEECH_KEY = "anju-speech";

function speechForget() {
  try { localStorage.removeItem(SPEECH_KEY); } catch (e) { /* storage may be off */ }
}

function readAloud(button) {
  if (!button || !("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") {
    return;
  }
  var kiosk = document.body.classList.contains("kiosk");
  var stored = null;
  try { stored = localStorage.getItem(SPEECH_KEY); } catch (e) { /* storage may be off */ }
  var on = stored ? stored === "on" : button.getAttribute("data-default") === "on";
  var words = {
    on: button.getAttribute("data-label-on"), off: button.getAttribute("data-label-off")
  };
  var say = function (text) {
    window.speechSynthesis.cancel();
    if (!text) { return; }
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "zh-CN";
    utterance.rate = document.body.classList.contains("elder") ? 0.85 : 1;
    window.speechSynthesis.speak(utterance);
  };
  var show = function () {
    button.hidden = false;
    button.textContent = on ? words.on : words.off; // says what pressing it does next
  };
  button.addEventListener("click", function () {
    on = !on;
    try { localStorage.setItem(SPEECH_KEY, on ? "on" : "off"); } catch (e) { /* not remembered */ }
    show();
    if (on) {
      var focused = document.activeElement;
      say(isQuestion(focused) ? questionText(focused) : pageText(!kiosk));
    } else {
      window.speechSynthesis.cancel();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (on && isQuestion(event.target)) { say(questionText(event.target)); }
  });
  // What the page announces to screen readers (a card read, a receipt printed, a warning) is said too.
  // Only a change is said: a region that is set again to what it already said stays quiet.
  var LIVE = '[role="status"], [role="alert"], [aria-live]';
  var heard = new WeakMap();
  document.querySelectorAll(LIVE).forEach(function (region) { heard.set(region, visibleText(region)); });
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      var node = change.target.nodeType === 1 ? change.target : change.target.parentElement;
      var region = node && node.closest(LIVE);
      if (!region) { return; }
      var text = visibleText(region);
      if (text === heard.get(region)) { return; }
      heard.set(region, text);
      if (on && text) { say(text); }
    });
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["hidden"] });
  show();
  if (on) { say(pageText(false)); } // each step's guidance as the page opens
}

// Parts said one after another, each ending as a sentence does (no "。。").
function sentences(parts) {
  return parts.filter(Boolean).map(function (p) { return /[。！？：.!?:]$/.test(p) ? p : p + "。"; }).join("");
}

function isQuestion(el) {
  return !!el && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.type !== "hidden";
}

function visibleText(el) {
  return el && el.offsetParent !== null ? el.innerText.replace(/\s+/g, " ").trim() : "";
}

// What a listener needs of a part of the page: its visible text in order, a list box as what is chosen
// (not all 85 counties), nothing hidden.
function spokenText(root) {
  var parts = [];
  var walk = function (node) {
    if (node.nodeType === 3) {
      var text = node.textContent.replace(/\s+/g, " ").trim();
      if (text) { parts.push(text); }
      return;
    }
    if (node.nodeType !== 1 || /^(SCRIPT|STYLE|TEMPLATE|OPTION)$/.test(node.tagName)) { return; }
    if (node.offsetParent === null && getComputedStyle(node).position !== "fixed") { return; }
    if (node.tagName === "SELECT") {
      var chosen = node.options[node.selectedIndex];
      if (chosen && chosen.value) { parts.push("已选择" + chosen.text); }
      return;
    }
    Array.prototype.forEach.call(node.childNodes, walk);
  };
  walk(root);
  return parts.join(" ");
}

// The page: its heading, what is wrong (if anything), then its guidance (elements marked data-guide,
// else the first paragraph), or with ``whole`` all of the main text.
function pageText(whole) {
  var main = document.getElementById("main");
  if (!main) { return ""; }
  if (whole) { return spokenText(main); }
  var parts = [visibleText(main.querySelector("h1")), visibleText(document.getElementById("error-summary"))];
  var guides = main.querySelectorAll("[data-guide]");
  if (!guides.length) { guides = main.querySelectorAll("h1 ~ p"); guides = guides.length ? [guides[0]] : []; }
  Array.prototype.forEach.call(guides, function (g) { parts.push(visibleText(g)); });
  return sentences(parts);
}

// A question: its group's legend, its own label, the hints and any error around it, what is chosen.
function questionText(el) {
  var parts = [];
  var group = el.closest("fieldset");
  if (group && group.querySelector("legend")) { parts.push(visibleText(group.querySelector("legend"))); }
  var label = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest("label");
  if (label) { parts.push(visibleText(label)); }
  var scope = el.closest(".field") || group;
  if (scope) {
    scope.querySelectorAll(".hint, .error-message").forEach(function (h) {
      if (!label || !label.contains(h)) { parts.push(visibleText(h)); }
    });
  }
  var chosen = el.tagName === "SELECT" ? el.options[el.selectedIndex] : null;
  if (chosen && chosen.value) { parts.push("已选择" + chosen.text); }
  if (el.type === "checkbox" || el.type === "radio") { parts.push(el.checked ? "已选中" : "未选中"); }
  return sentences(parts.filter(function (p, i) { return parts.indexOf(p) === i; }));
}

// A web sign-in ends after a quiet spell (the server's rule). Typing on a page the server does not see, so
// while the person types the page tells the server at most every five minutes; two minutes before the end
// it warns, and 继续使用 keeps the sign-in (WCAG 2.2.1). Nothing typed is lost by waiting to be asked.
function sessionTimeout(box) {
  if (!box) { return; }
  var idle = parseInt(box.getAttribute("data-idle"), 10) * 1000;
  var alive = box.getAttribute("data-alive");
  var text = document.getElementById("session-timeout-text");
  var stay = document.getElementById("session-stay");
  var told = Date.now();
  var warnTimer, endTimer;
  var schedule = function () {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(function () {
      box.hidden = false;
      text.textContent = "您已较长时间没有操作，约 2 分钟后将自动退出登录，已保存的内容不会丢失。如需继续填写，请点“继续使用”。";
      stay.focus();
    }, Math.max(idle - 120000, 0));
    endTimer = setTimeout(function () {
      box.hidden = false;
      text.textContent = "因长时间没有操作，已退出登录。已保存的内容都在，重新登录后可以接着办理；本页未保存的内容请先抄下。";
      stay.hidden = true;
    }, idle);
  };
  var ping = function () {
    told = Date.now();
    return fetch(alive, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (answer) { if (answer.signed_in) { schedule(); } });
  };
  stay.addEventListener("click", function () {
    ping().then(function () { box.hidden = true; });
  });
  document.addEventListener("input", function () {
    if (Date.now() - told > 300000) { ping(); }
  });
  schedule();
}
