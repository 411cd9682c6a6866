namespace EvidenceBroker.Server.Hosting;

/// <summary>
/// Endpoint metadata for a page whose one upload handler takes large files while its other forms stay small: the
/// body limit follows the handler asked for (the "handler" query value), so a post to any other handler of the page
/// is refused at the form's size instead of being read, up to the upload's size, before anyone checks who sent it.
/// </summary>
public sealed record HandlerBodySizeLimit(string UploadHandler, long UploadBytes, long FormBytes)
{
    public long LimitFor(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return string.Equals(request.Query["handler"], UploadHandler, StringComparison.OrdinalIgnoreCase) ? UploadBytes : FormBytes;
    }
}
