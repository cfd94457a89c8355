-- How long completion takes from Neovim's side: the real `intact lsp` through Neovim's own LSP
-- client (set up as editors/neovim/README.md says), 200 completion requests at three places of
-- the SCIM example, each timed from the request to its answer. A measurement, not a test: it
-- prints the medians and asserts nothing (docs/performance.md records them).
--
--   nvim --headless --clean -l tests/editors/neovim/latency.lua INTACT_BIN REPO PROJECT
--
-- PROJECT is a copy of examples/scim-provisioning.

local bin, repo, project = arg[1], arg[2], arg[3]
assert(bin and repo and project, 'usage: nvim --headless --clean -l latency.lua INTACT_BIN REPO PROJECT')
vim.opt.runtimepath:append(repo .. '/editors/neovim')
require('intact').setup({ cmd = { bin, 'lsp' } })

vim.cmd.edit(vim.fn.fnameescape(project .. '/actions/users.kdl'))
local buf = vim.api.nvim_get_current_buf()
assert(vim.wait(20000, function()
  return #vim.lsp.get_clients({ bufnr = buf, name = 'intact' }) > 0
end, 50), 'the client attaches')
-- The first analysis has published: later requests are what a user typing meets.
vim.wait(20000, function()
  return #vim.diagnostic.get(buf) >= 0 and vim.lsp.get_clients({ bufnr = buf })[1].initialized
end, 50)
vim.wait(500)

local function find(needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local s, e = line:find(needle, 1, true)
    if s then
      return i - 1, e
    end
  end
  error('the example holds ' .. needle)
end

local places = {
  { 'inside ${input.', find('${input.') },
  { 'a node name in a block', find('    request') },
  { 'a request method', find('request "list" "') },
}
local uv = vim.uv or vim.loop
for _, p in ipairs(places) do
  local name, line, col = p[1], p[2], p[3]
  local times = {}
  for _ = 1, 200 do
    local t0 = uv.hrtime()
    local answers = vim.lsp.buf_request_sync(buf, 'textDocument/completion', {
      textDocument = vim.lsp.util.make_text_document_params(buf),
      position = { line = line, character = col },
    }, 5000)
    times[#times + 1] = (uv.hrtime() - t0) / 1e6
    local _, answer = next(answers or {})
    local items = answer and answer.result and (answer.result.items or answer.result)
    assert(items and #items > 0, name .. ': no completion items: ' .. vim.inspect(answers))
  end
  table.sort(times)
  io.stdout:write(('%-24s median %.2f ms, p90 %.2f ms (200 requests)\n'):format(
    name, times[100], times[180]))
end
os.exit(0)
