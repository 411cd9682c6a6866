using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace EvidenceBroker.Server.Hosting;

/// <summary>
/// Endpoint metadata for a page whose one upload handler takes large files while its other forms stay small. The
/// upload's allowance goes only to a post to that handler (the "handler" query value) from someone who may upload,
/// whose sign-in is read here, before the body: anyone else's post is refused at the form's size instead of being
/// read, up to the upload's size, before the page checks who sent it.
/// </summary>
public sealed record HandlerBodySizeLimit(
    string UploadHandler, long UploadBytes, long FormBytes, string AuthenticationScheme, Func<ClaimsPrincipal, bool> MayUpload)
{
    public async Task<long> LimitForAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!string.Equals(http.Request.Query["handler"].FirstOrDefault(), UploadHandler, StringComparison.OrdinalIgnoreCase))
        {
            return FormBytes;
        }

        var signIn = await http.AuthenticateAsync(AuthenticationScheme);
        return signIn.Principal is { } user && MayUpload(user) ? UploadBytes : FormBytes;
    }
}
