using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Webhooks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ClaimExpiresAt",
                table: "outbox",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ClaimToken",
                table: "outbox",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LastAttemptAt",
                table: "outbox",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "LastStatusCode",
                table: "outbox",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SkippedReason",
                table: "outbox",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "webhook_secrets",
                columns: table => new
                {
                    Recipient = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Secret = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    PreviousSecret = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    PreviousValidUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_webhook_secrets", x => x.Recipient);
                });

            migrationBuilder.CreateIndex(
                name: "IX_outbox_ClaimToken",
                table: "outbox",
                column: "ClaimToken");

            migrationBuilder.CreateIndex(
                name: "IX_outbox_DeadAt",
                table: "outbox",
                column: "DeadAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "webhook_secrets");

            migrationBuilder.DropIndex(
                name: "IX_outbox_ClaimToken",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "IX_outbox_DeadAt",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "ClaimExpiresAt",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "ClaimToken",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "LastAttemptAt",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "LastStatusCode",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "SkippedReason",
                table: "outbox");
        }
    }
}
