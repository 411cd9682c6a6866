namespace EvidenceBroker.Server.Portal;

/// <summary>
/// Whether the page being written shows a problem (a form's error summary, a refusal's box), so that the layout can
/// begin its title with "Error: " (WCAG 2.4.2), the first thing a screen reader says of a page. The layout writes the
/// title after the page's body and its partials have run, so whatever showed a problem has said so by then; the
/// request's items, unlike a partial's copy of the view data, reach the layout.
/// </summary>
public static class ShownProblem
{
    private static readonly object Key = new();

    public static void Record(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Items[Key] = true;
    }

    public static bool WasShown(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Items.ContainsKey(Key);
    }

    /// <summary>The page's title as the browser shows it, "Error: " first when the page shows a problem.</summary>
    public static string Title(HttpContext http, object? pageTitle) =>
        $"{(WasShown(http) ? "Error: " : "")}{pageTitle} · Evidence Broker";
}
