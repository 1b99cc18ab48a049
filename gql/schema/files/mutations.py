"""fileUpload, fileUpdate, fileDelete."""
import strawberry
from strawberry.file_uploads import Upload

from domain.files.content_store import IncomingContent
from domain.platform.errors import InvalidInput
from domain.files import service
from gql.context import Info
from gql.ids import decode_id, to_global_id
from gql.resolvers.files import entity_ref
from gql.resolvers.mutation import given, payload
from gql.schema.common import PayloadWarning, UserError
from gql.schema.files.types import File


@strawberry.input(description="Send as a multipart request (the GraphQL multipart request spec) with a "
                  "`GraphQL-Preflight: 1` header; `file` is the file part.")
class FileUploadInput:
    entity_id: strawberry.ID = strawberry.field(
        description="The Customer, Project, Activity or Task the file belongs to."
    )
    file: Upload
    name: str | None = strawberry.field(default=None, description="Defaults to the file part's filename. At most "
                                        "1000 characters; kept to 255, shortened keeping the extension.")
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given are changed: `name` renames, `tags` replaces the tags, "
                  "`entityId` moves the file to another customer, project, activity or task of its company.")
class FileUpdateInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    entity_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class FileDeleteInput:
    id: strawberry.ID


WARNINGS = "Input that was taken with something to know: `NAME_SHORTENED` (a name over 255 characters, " \
    "shortened keeping its extension), `NO_EXTENSION` (a name without an extension: accepted, but SharePoint " \
    "cannot tell the file's type)."


@strawberry.type
class FileUploadPayload:
    user_errors: list[UserError]
    file: File | None = None
    warnings: list[PayloadWarning] = strawberry.field(default_factory=list, description=WARNINGS)


@strawberry.type
class FileUpdatePayload:
    user_errors: list[UserError]
    file: File | None = None
    warnings: list[PayloadWarning] = strawberry.field(default_factory=list, description=WARNINGS)


@strawberry.type
class FileDeletePayload:
    user_errors: list[UserError]
    deleted_id: strawberry.ID | None = None


def _saved(saved: service.SavedFile) -> dict:
    return {"file": File.from_row(saved.file), "warnings": [PayloadWarning.of(w) for w in saved.warnings]}


@strawberry.type
class FileMutations:
    @strawberry.mutation(description="Stores an uploaded file under a customer, project, activity or task.")
    async def file_upload(self, info: Info, input: FileUploadInput) -> FileUploadPayload:
        async def call():
            if not isinstance(input.file, IncomingContent):
                # Upload is strawberry's scalar, which takes any value: only a multipart file part is a file.
                raise InvalidInput("Send the file as a part of a multipart request (the GraphQL multipart "
                                   "request spec).", field="file")
            draft = service.FileDraft(
                entity=entity_ref(input.entity_id), content=input.file, name=input.name, tags=input.tags
            )
            saved = await service.upload_file(info.context.db, info.context.viewer, info.context.files, draft)
            return _saved(saved)

        return await payload(FileUploadPayload, call)

    @strawberry.mutation
    async def file_update(self, info: Info, input: FileUpdateInput) -> FileUpdatePayload:
        async def call():
            file_id = decode_id(input.id, "File", field="id")
            changes = given(input, "name", "tags", "entity_id")
            if "entity_id" in changes:
                changes["entity"] = entity_ref(changes.pop("entity_id"))
            saved = await service.update_file(info.context.db, info.context.viewer, file_id, changes)
            return _saved(saved)

        return await payload(FileUpdatePayload, call)

    @strawberry.mutation(description="Deletes a file; its contents go with the last file that has the same bytes.")
    async def file_delete(self, info: Info, input: FileDeleteInput) -> FileDeletePayload:
        async def call():
            file_id = decode_id(input.id, "File", field="id")
            deleted = await service.delete_file(info.context.db, info.context.viewer, info.context.files, file_id)
            return {"deleted_id": strawberry.ID(to_global_id("File", deleted))}

        return await payload(FileDeletePayload, call)
