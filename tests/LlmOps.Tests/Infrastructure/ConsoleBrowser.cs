using Microsoft.Playwright;

namespace LlmOps.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download: `.ci/run` installs the chromium package), and the
/// web console's readiness signal: <c>main[data-ready]</c> names the page once it has rendered (empty while loading).
/// Shared by the console's tests and its benchmark.
/// </summary>
public static class ConsoleBrowser
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("LLMOPS_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static BrowserTypeLaunchOptions Options => File.Exists(ExecutablePath)
        ? new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] }
        : throw new InvalidOperationException($"Chromium is not at {ExecutablePath}: install Debian's chromium package (apt-get install chromium), as .ci/run does, or set LLMOPS_CHROMIUM.");

    public static async Task ReadyAsync(IPage page, string name, float timeoutMs = 60_000)
    {
        await page.WaitForSelectorAsync($"main[data-ready='{name}']", new PageWaitForSelectorOptions { Timeout = timeoutMs, State = WaitForSelectorState.Attached });
        if (await page.Locator("[data-testid=error]").CountAsync() > 0)
        {
            throw new InvalidOperationException($"The console's {name} page shows an error: {await page.Locator("[data-testid=error]").InnerTextAsync()}");
        }
    }

    /// <summary>Opens a page by its fragment and waits until it has rendered.</summary>
    public static async Task GoAsync(IPage page, string hash, string name)
    {
        await page.EvaluateAsync("""
            hash => {
              document.getElementById('main').dataset.ready = '';
              if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange')); else location.hash = hash;
            }
            """, hash);
        await ReadyAsync(page, name);
    }

    /// <summary>Clicks what leads to another page (or redraws this one) and waits until it has rendered.</summary>
    public static async Task ClickAsync(IPage page, ILocator target, string name)
    {
        await page.EvaluateAsync("() => { document.getElementById('main').dataset.ready = ''; }");
        await target.ClickAsync();
        await ReadyAsync(page, name);
    }
}
