namespace EvidenceBroker.Server.Portal;

/// <summary>
/// The page of a counted portal list being shown, <see cref="PortalRequests.PageSize"/> rows to a page, and how many
/// pages the list has; the pager partial (_Pager) links to the pages on either side.
/// </summary>
public sealed record PortalPage(int Number, int Count)
{
    public static readonly PortalPage First = new(1, 1);

    /// <summary>The page asked for (query "p"; "page" is taken by Razor Pages), kept within the list's pages.</summary>
    public static PortalPage Of(int? asked, int rows)
    {
        var count = Math.Max(1, (rows + PortalRequests.PageSize - 1) / PortalRequests.PageSize);
        return new PortalPage(Math.Clamp(asked ?? 1, 1, count), count);
    }

    /// <summary>How many rows come before this page.</summary>
    public int Skip => (Number - 1) * PortalRequests.PageSize;
}

/// <summary>What the pager partial shows: the page, the name of its navigation, and the words of its two links.</summary>
public sealed record PagerLinks(PortalPage Page, string Label, string Previous, string Next);
