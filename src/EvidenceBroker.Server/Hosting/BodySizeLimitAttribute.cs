using Microsoft.AspNetCore.Http.Metadata;

namespace EvidenceBroker.Server.Hosting;

/// <summary>
/// A page's body limit, declared for <see cref="BodySizeLimitMiddleware"/>, which applies it before anything reads the
/// body. MVC's <c>[RequestSizeLimit]</c> carries the same metadata but is also a filter, which runs after antiforgery
/// has read the form, finds the limit no longer settable, and logs a warning on every post under Kestrel.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class BodySizeLimitAttribute(long bytes) : Attribute, IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = bytes;
}
