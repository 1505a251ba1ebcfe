// The tab's draft binding (fairdash/ui/drafts.py): a components v2 component with nothing to show.
// The draft's id lives in the tab's sessionStorage: a reload keeps it, a link does not carry it, another tab does not
// see it. A duplicated tab (or one opened by window.open) starts with a copy of that storage, so before telling the
// server, a tab asks the others on a BroadcastChannel whether one of them holds the same id; if one answers, this tab
// takes the id the server offers and starts from a copy of that draft ({id, from}).
const DRAFT_STORAGE = "fairdash-draft";
const DRAFT_ID = /^[A-Za-z0-9_-]{24}$/;
const DRAFT_ASK_MS = 300;  // how long a tab waits for a live twin to answer

function draftChannel() {
  // One channel per page, whatever the reruns: it answers the tabs that ask about this tab's id.
  if (window.fairdashDraftChannel === undefined) {
    window.fairdashDraftChannel = typeof BroadcastChannel === "function" ? new BroadcastChannel(DRAFT_STORAGE) : null;
    if (window.fairdashDraftChannel !== null) {
      window.fairdashDraftChannel.onmessage = event => {
        const mine = window.sessionStorage.getItem(DRAFT_STORAGE);
        if (event.data && event.data.ask === mine && window.fairdashDraftSent) window.fairdashDraftChannel.postMessage({ held: mine });
      };
    }
  }
  return window.fairdashDraftChannel;
}

function liveTwin(channel, id) {
  // Whether another open tab holds ``id`` (it answers within DRAFT_ASK_MS).
  if (channel === null) return Promise.resolve(false);
  return new Promise(resolve => {
    const listener = event => { if (event.data && event.data.held === id) { finish(true); } };
    const finish = found => { channel.removeEventListener("message", listener); resolve(found); };
    channel.addEventListener("message", listener);
    channel.postMessage({ ask: id });
    setTimeout(() => finish(false), DRAFT_ASK_MS);
  });
}

async function bindDraft(data, setStateValue) {
  let kept = null;
  try {
    kept = window.sessionStorage.getItem(DRAFT_STORAGE);
  } catch (error) {
    return;  // storage refused (a private mode, a policy): this tab keeps no draft
  }
  // Once per server session (``offered`` is made once per session): a rerun of this component while the server
  // reads the report must not ask again (the twin's answer is for the first question only).
  if ((kept !== null && kept === data.bound) || window.fairdashDraftSession === data.offered) return;
  window.fairdashDraftSession = data.offered;
  let report = { id: kept, from: null };
  if (!DRAFT_ID.test(kept || "")) {
    report = { id: data.offered, from: null };  // a new tab (or a value not ours): the server's offer
  } else if (await liveTwin(draftChannel(), kept)) {
    report = { id: data.offered, from: kept };  // a duplicated tab: its own id, its twin's work to start from
  }
  window.sessionStorage.setItem(DRAFT_STORAGE, report.id);
  draftChannel();
  window.fairdashDraftSent = report.id;
  setStateValue("draft", report);
}

export default function (component) {
  bindDraft(component.data, component.setStateValue);
}
