/*
 * carnet offline bundle: the search form, working from disk (file://) with no server and no network.
 *
 * The index is window.CARNET_SEARCH, assigned by search-index.js (a <script>, because browsers refuse
 * fetch() of a local file). It was built by carnet with the same snowball stemmer as the site's search:
 *   documents:  [{language, slug, title, summary, kind, year, href}, ...]
 *   index:      {language: {stem: [[document number, weight], ...]}}
 *   vocabulary: {language: {word form: stem}}   ("" = a word the stemmer leaves out)
 * A query word seen in the texts is stemmed exactly as carnet stemmed it (the vocabulary); any other
 * word matches the longest indexed stem that begins it ("детям" -> "дет") and, for a word of three
 * letters or more, the stems it begins (a word still being typed). Irregular forms ("children",
 * "child") count as one word, as on the site. Every query word must match. Results in the page's
 * language come first; the other languages' are marked. Plain JavaScript, nothing fetched.
 */
(function () {
  "use strict";

  var MIN_STEM = 3;
  var MAX_WORDS = 20;
  var MAX_RESULTS = 100;
  var WORD = /[\p{L}\p{N}]+/gu; // as carnet splits words: letters and digits

  var data = window.CARNET_SEARCH;
  var form = document.getElementById("bundle-search");
  var output = document.getElementById("search-results");
  if (!data || !form || !output) {
    return;
  }
  var pageLanguage = form.getAttribute("data-language") || "";
  var input = form.querySelector("input[name=q]");
  var sortedStems = {};

  function words(text) {
    return (text.normalize("NFC").toLowerCase().match(WORD) || []).slice(0, MAX_WORDS);
  }

  function withoutDiacritics(word) {
    return word.normalize("NFKD").replace(/\p{M}/gu, "").normalize("NFC");
  }

  function stemsOf(language) {
    if (!sortedStems[language]) {
      sortedStems[language] = Object.keys(data.index[language] || {});
    }
    return sortedStems[language];
  }

  /* The indexed stems a query word stands for in one language, with its irregular forms ("children": "child"). */
  function candidates(word, language) {
    var forms = (data.irregular && data.irregular[word]) || [word];
    var found = null;
    forms.forEach(function (form) {
      var stems = formCandidates(form, language);
      if (stems !== null) {
        found = (found || []).concat(stems);
      }
    });
    return found;
  }

  /* The indexed stems one word form stands for in one language: null when the stemmer ignores the word. */
  function formCandidates(word, language) {
    var vocabulary = data.vocabulary[language] || {};
    if (Object.prototype.hasOwnProperty.call(vocabulary, word)) {
      return vocabulary[word] === "" ? null : [vocabulary[word]];
    }
    if (data.stemmed && data.stemmed[language] === false) {
      word = withoutDiacritics(word);
      if (Object.prototype.hasOwnProperty.call(data.index[language] || {}, word)) {
        return [word];
      }
    }
    // An unseen form: the longest indexed stem that begins it ("детям" -> "дет"), and the stems it begins.
    var found = [];
    var longest = "";
    var stems = stemsOf(language);
    for (var i = 0; i < stems.length; i++) {
      var stem = stems[i];
      if (stem.length >= MIN_STEM && stem.length > longest.length && word.indexOf(stem) === 0) {
        longest = stem;
      }
      if (word.length >= MIN_STEM && stem.indexOf(word) === 0) {
        found.push(stem);
      }
    }
    if (longest && found.indexOf(longest) < 0) {
      found.push(longest);
    }
    return found;
  }

  function search(query) {
    var queryWords = words(query);
    var scores = {};
    Object.keys(data.index).forEach(function (language) {
      var postings = data.index[language];
      var perLanguage = null; // document number -> score, narrowed by every query word
      queryWords.forEach(function (word) {
        var stems = candidates(word, language);
        if (stems === null) {
          return; // a word the stemmer leaves out (e.g. "и", "the"): it neither matches nor excludes
        }
        var matched = {};
        stems.forEach(function (stem) {
          (postings[stem] || []).forEach(function (pair) {
            matched[pair[0]] = (matched[pair[0]] || 0) + pair[1];
          });
        });
        if (perLanguage === null) {
          perLanguage = matched;
        } else {
          var narrowed = {};
          Object.keys(perLanguage).forEach(function (number) {
            if (Object.prototype.hasOwnProperty.call(matched, number)) {
              narrowed[number] = perLanguage[number] + matched[number];
            }
          });
          perLanguage = narrowed;
        }
      });
      if (perLanguage !== null) {
        Object.keys(perLanguage).forEach(function (number) {
          scores[number] = perLanguage[number];
        });
      }
    });
    return Object.keys(scores)
      .map(function (number) {
        return { document: data.documents[number], score: scores[number] };
      })
      .sort(function (a, b) {
        var own = (a.document.language === pageLanguage ? 0 : 1) - (b.document.language === pageLanguage ? 0 : 1);
        if (own !== 0) {
          return own;
        }
        if (b.score !== a.score) {
          return b.score - a.score;
        }
        return a.document.title.localeCompare(b.document.title);
      })
      .slice(0, MAX_RESULTS);
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function show(query) {
    clear(output);
    if (!words(query).length) {
      return;
    }
    var results = search(query);
    var message = document.createElement("p");
    message.className = "search-count";
    if (!results.length) {
      message.textContent = output.getAttribute("data-none");
    } else if (results.length === 1) {
      message.textContent = output.getAttribute("data-found-one");
    } else {
      message.textContent = output.getAttribute("data-found-many").replace("%(count)s", String(results.length));
    }
    output.appendChild(message);
    if (!results.length) {
      return;
    }
    var list = document.createElement("ol");
    list.className = "search-results";
    results.forEach(function (result) {
      var doc = result.document;
      var item = document.createElement("li");
      item.setAttribute("lang", doc.language);
      var heading = document.createElement("h3");
      var link = document.createElement("a");
      link.href = "../" + doc.href;
      link.textContent = doc.title;
      heading.appendChild(link);
      if (doc.language !== pageLanguage) {
        var mark = document.createElement("span");
        mark.className = "language-mark";
        mark.setAttribute("lang", pageLanguage);
        mark.textContent =
          " (" + output.getAttribute("data-in-language").replace("%(language)s", data.languages[doc.language] || doc.language) + ")";
        heading.appendChild(mark);
      }
      item.appendChild(heading);
      var meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = doc.kind + (doc.year ? " · " + doc.year : "");
      item.appendChild(meta);
      if (doc.summary) {
        var summary = document.createElement("p");
        summary.textContent = doc.summary;
        item.appendChild(summary);
      }
      list.appendChild(item);
    });
    output.appendChild(list);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
  });

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    show(initial);
  }
})();
