using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Lifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "clarifications",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AskedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Question = table.Column<string>(type: "TEXT", maxLength: 10000, nullable: false),
                    AskedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    AnsweredBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Answer = table.Column<string>(type: "TEXT", maxLength: 10000, nullable: true),
                    AnsweredAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_clarifications", x => x.Id);
                    table.ForeignKey(
                        name: "FK_clarifications_requests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "requests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "deadlines",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    StartsAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    PausedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Reminder50At = table.Column<long>(type: "INTEGER", nullable: true),
                    Reminder80At = table.Column<long>(type: "INTEGER", nullable: true),
                    BreachedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Extended = table.Column<bool>(type: "INTEGER", nullable: false),
                    NextCheckAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ScheduledJobId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deadlines", x => x.Id);
                    table.ForeignKey(
                        name: "FK_deadlines_requests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "requests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "mlat_drafts",
                columns: table => new
                {
                    RequestId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Reference = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    RequestingState = table.Column<string>(type: "TEXT", maxLength: 2, nullable: false),
                    RequestedState = table.Column<string>(type: "TEXT", maxLength: 2, nullable: false),
                    RequestingCentralAuthority = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    RequestedCentralAuthority = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    TreatyBasis = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    IssuingAuthority = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Offence = table.Column<string>(type: "TEXT", nullable: false),
                    Facts = table.Column<string>(type: "TEXT", nullable: false),
                    Identifiers = table.Column<string>(type: "TEXT", nullable: false),
                    DataSought = table.Column<string>(type: "TEXT", nullable: false),
                    WhyMlat = table.Column<string>(type: "TEXT", nullable: false),
                    DraftedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PlanningDueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    SentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mlat_drafts", x => x.RequestId);
                    table.ForeignKey(
                        name: "FK_mlat_drafts_requests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "requests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "productions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestId = table.Column<Guid>(type: "TEXT", nullable: false),
                    FileName = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    ContentType = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    SizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    StoredPath = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Partial = table.Column<bool>(type: "INTEGER", nullable: false),
                    UploadedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    UploadedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_productions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_productions_requests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "requests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "request_notes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Author = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    AuthorRole = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Grounds = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Text = table.Column<string>(type: "TEXT", maxLength: 10000, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_request_notes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_request_notes_requests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "requests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_clarifications_RequestId",
                table: "clarifications",
                column: "RequestId");

            migrationBuilder.CreateIndex(
                name: "IX_deadlines_RequestId",
                table: "deadlines",
                column: "RequestId");

            migrationBuilder.CreateIndex(
                name: "ix_deadlines_next_check",
                table: "deadlines",
                column: "NextCheckAt",
                filter: "\"NextCheckAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_deadlines_open_due",
                table: "deadlines",
                column: "DueAt",
                filter: "\"CompletedAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_mlat_drafts_State_DraftedAt",
                table: "mlat_drafts",
                columns: new[] { "State", "DraftedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_productions_RequestId",
                table: "productions",
                column: "RequestId");

            migrationBuilder.CreateIndex(
                name: "IX_request_notes_RequestId",
                table: "request_notes",
                column: "RequestId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "clarifications");

            migrationBuilder.DropTable(
                name: "deadlines");

            migrationBuilder.DropTable(
                name: "mlat_drafts");

            migrationBuilder.DropTable(
                name: "productions");

            migrationBuilder.DropTable(
                name: "request_notes");
        }
    }
}
