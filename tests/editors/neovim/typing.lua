-- Completion while typing, from Neovim's side: the real `intact lsp` through Neovim's own LSP
-- client, in a file of a large project. Each round types a character into the buffer (the
-- client sends the change before the request) and asks for completion at once, timed from the
-- keystroke to the answer. A measurement, not a test: it prints the median and p90 and asserts
-- only that completion answers (docs/performance.md records the figures).
--
--   nvim --headless --clean -l tests/editors/neovim/typing.lua INTACT_BIN REPO FILE MARKER
--
-- FILE is a file of a project (for the issue's case, `flows/authorization_server_clients.kdl`
-- of the project `intact import openapi` makes of tests/corpus/openapi/okta-management-3.0.yaml),
-- MARKER the text completion is asked right after (`${steps.call.body.`).

local bin, repo, file, marker = arg[1], arg[2], arg[3], arg[4]
assert(bin and repo and file and marker, 'usage: nvim --headless --clean -l typing.lua INTACT_BIN REPO FILE MARKER')
vim.opt.runtimepath:append(repo .. '/editors/neovim')
require('intact').setup({ cmd = { bin, 'lsp' } })

vim.cmd.edit(vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
assert(vim.wait(20000, function()
  return #vim.lsp.get_clients({ bufnr = buf, name = 'intact' }) > 0
end, 50), 'the client attaches')
vim.wait(20000, function()
  return #vim.diagnostic.get(buf) > 0 or vim.lsp.get_clients({ bufnr = buf })[1].initialized
end, 50)
vim.wait(2000)

local line, col
for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
  local _, e = l:find(marker, 1, true)
  if e then
    line, col = i - 1, e
    break
  end
end
assert(line, 'the file holds ' .. marker)
-- The last line of the file takes the keystrokes: a comment, so the project stays the same.
local last = vim.api.nvim_buf_line_count(buf)
vim.api.nvim_buf_set_lines(buf, last, last, false, { '// ' })

local uv = vim.uv or vim.loop
local times = {}
for i = 1, 200 do
  local t0 = uv.hrtime()
  vim.api.nvim_buf_set_text(buf, last, 3 + i - 1, last, 3 + i - 1, { 'x' })
  local answers = vim.lsp.buf_request_sync(buf, 'textDocument/completion', {
    textDocument = vim.lsp.util.make_text_document_params(buf),
    position = { line = line, character = col },
  }, 5000)
  times[#times + 1] = (uv.hrtime() - t0) / 1e6
  local _, answer = next(answers or {})
  local items = answer and answer.result and (answer.result.items or answer.result)
  assert(items and #items > 0, 'no completion items: ' .. vim.inspect(answers))
end
table.sort(times)
io.stdout:write(('keystroke then completion: median %.2f ms, p90 %.2f ms, max %.2f ms (200 rounds)\n'):format(
  times[100], times[180], times[200]))
os.exit(0)
