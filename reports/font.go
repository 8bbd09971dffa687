package reports

import _ "embed"

// fontTTF is WenQuanYi Micro Hei, the first face of wqy-microhei.ttc saved as
// a plain TrueType file (see font/LICENSE.txt; redistributed under Apache-2.0).
// It covers Chinese, Latin, digits and ¥, so the binary needs no installed font.
//
//go:embed font/wqy-microhei.ttf
var fontTTF []byte

const fontFamily = "wqy"
