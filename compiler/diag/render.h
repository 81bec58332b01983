#pragma once

// Everything a driver needs to print the result of DiagnosticEngine::Finish(): RenderText
// and RenderSummary (text_renderer.h) and RenderJson (json_renderer.h).

#include "compiler/diag/json_renderer.h"  // IWYU pragma: export
#include "compiler/diag/text_renderer.h"  // IWYU pragma: export
