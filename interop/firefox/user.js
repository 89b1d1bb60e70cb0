// Prefs for headless Firefox ESR in the interop cells (copied into a fresh profile per cell by
// interop/extra_cells.py). The page and relay are interop/chromium/'s, unchanged.
// Fake devices, no permission prompt (getUserMedia in the media cell and ?gum=1).
user_pref("media.navigator.permission.disabled", true);
user_pref("media.navigator.streams.fake", true);
// The cells run in a loopback-only namespace: Firefox drops 127.0.0.1 candidates unless told
// and hides host addresses behind mDNS .local names (nothing resolves them there).
user_pref("media.peerconnection.ice.loopback", true);
user_pref("media.peerconnection.ice.obfuscate_host_addresses", false);
user_pref("media.peerconnection.ice.default_address_only", false);
user_pref("media.peerconnection.ice.no_host", false);
// No first run, update, telemetry or default-browser check.
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.reporting.enabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("startup.homepage_welcome_url", "");
user_pref("browser.startup.page", 0);
user_pref("browser.newtabpage.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
// Autoplay of the received media, as Chromium's --autoplay-policy flag.
user_pref("media.autoplay.default", 0);
// Whatever default_address_only says, Firefox gathers only the default route's address (none
// here: nICEr logs "failed to find default addresses", then ICE fails with no candidate) unless
// the page holds a camera/microphone permission; a fake-device getUserMedia does not count, and
// media.navigator.permission.disabled grants nothing. Allow both by default.
user_pref("permissions.default.camera", 1);
user_pref("permissions.default.microphone", 1);
