// report_check: reads a report `xmppfuzz conform` wrote and prints its
// counts on one line, for conform_cli_test.sh to compare. Exit 1 (with the
// reason on stderr) when the file is not valid JSON / well-formed XML or
// lacks the expected structure.
//
//   report_check json FILE
//     failed=<bool> then, per target, " <target>:pass=N,fail=N,acceptable=N,known=N,n/a=N,vectors=N"
//   report_check junit FILE
//     tests=N failures=N skipped=N suites=N testcases=N failure-elements=N
//   report_check html FILE   (the page, or the DOM a browser dumped of it)
//     matrix-rows=N matrix-cols=N deviation-rows=N na-rows=N scripts=N
//     (matrix-rows: body rows, total included; matrix-cols: header cells,
//     the category column included; deviation-rows: rows of the per-target
//     tables of non-pass results, n/a left out)
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/tree.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

int Bad(const std::string& why) {
  std::cerr << "report_check: " << why << "\n";
  return 1;
}

int CheckJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("not valid JSON");
  if (!j.is_object() || !j.contains("failed") || !j["failed"].is_boolean() || !j.contains("targets") ||
      !j["targets"].is_array()) {
    return Bad("JSON lacks 'failed' or 'targets'");
  }
  std::string line = std::string("failed=") + (j["failed"].get<bool>() ? "true" : "false");
  for (const auto& t : j["targets"]) {
    if (!t.contains("target") || !t.contains("summary") || !t.contains("vectors") || !t["vectors"].is_array()) {
      return Bad("a target lacks 'target', 'summary' or 'vectors'");
    }
    line += " " + t["target"].get<std::string>() + ":";
    for (const char* verdict : {"pass", "fail", "acceptable", "known", "n/a"}) {
      if (!t["summary"].contains(verdict)) return Bad(std::string("summary lacks '") + verdict + "'");
      line += std::string(verdict) + "=" + std::to_string(t["summary"][verdict].get<size_t>()) + ",";
    }
    line += "vectors=" + std::to_string(t["vectors"].size());
  }
  std::cout << line << "\n";
  return 0;
}

std::string Attr(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return "?";
  std::string s(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return s;
}

bool Is(xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE && std::string(reinterpret_cast<const char*>(node->name)) == name;
}

int CheckJunit(const std::string& text) {
  xmlDoc* doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "junit.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) return Bad("not well-formed XML");
  xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr || !Is(root, "testsuites")) {
    xmlFreeDoc(doc);
    return Bad("the root element is not <testsuites>");
  }
  size_t suites = 0, cases = 0, failures = 0;
  for (xmlNode* s = root->children; s != nullptr; s = s->next) {
    if (!Is(s, "testsuite")) continue;
    ++suites;
    for (xmlNode* c = s->children; c != nullptr; c = c->next) {
      if (!Is(c, "testcase")) continue;
      ++cases;
      for (xmlNode* f = c->children; f != nullptr; f = f->next) failures += Is(f, "failure");
    }
  }
  std::cout << "tests=" << Attr(root, "tests") << " failures=" << Attr(root, "failures")
            << " skipped=" << Attr(root, "skipped") << " suites=" << suites << " testcases=" << cases
            << " failure-elements=" << failures << "\n";
  xmlFreeDoc(doc);
  return 0;
}

size_t CountXpath(xmlDoc* doc, const char* xpath) {
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  xmlXPathObjectPtr obj = xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath), ctx);
  size_t n = obj != nullptr && obj->nodesetval != nullptr ? static_cast<size_t>(obj->nodesetval->nodeNr) : 0;
  xmlXPathFreeObject(obj);
  xmlXPathFreeContext(ctx);
  return n;
}

int CheckHtml(const std::string& text) {
  xmlDoc* doc = htmlReadMemory(text.data(), static_cast<int>(text.size()), "report.html", "UTF-8",
                               HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
  if (doc == nullptr) return Bad("not HTML");
  if (CountXpath(doc, "//table[@id='matrix']") != 1) {
    xmlFreeDoc(doc);
    return Bad("no table with id 'matrix'");
  }
  std::cout << "matrix-rows=" << CountXpath(doc, "//table[@id='matrix']/tbody/tr")
            << " matrix-cols=" << CountXpath(doc, "//table[@id='matrix']/thead/tr/th")
            << " deviation-rows=" << CountXpath(doc, "//table[contains(concat(' ', @class, ' '), ' deviations ')]/tbody/tr")
            << " na-rows=" << CountXpath(doc, "//table[contains(concat(' ', @class, ' '), ' na ')]/tbody/tr")
            << " scripts=" << CountXpath(doc, "//script") << "\n";
  xmlFreeDoc(doc);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Bad("usage: report_check json|junit|html FILE");
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) return Bad(std::string("cannot read '") + argv[2] + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string kind = argv[1];
  if (kind == "json") return CheckJson(buffer.str());
  if (kind == "junit") return CheckJunit(buffer.str());
  if (kind == "html") return CheckHtml(buffer.str());
  return Bad("usage: report_check json|junit|html FILE");
}
