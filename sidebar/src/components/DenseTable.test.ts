import type { DenseColumn } from './DenseTable.vue'
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { h } from 'vue'
import DenseTable from './DenseTable.vue'

interface Person { id: number, name: string, age: number }
const people: Person[] = [{ id: 1, name: 'Li Na', age: 31 }, { id: 2, name: 'Wang Fang', age: 27 }]
const columns: DenseColumn<Person>[] = [
  { key: 'name', label: 'Name', value: p => p.name, cellClass: 'nowrap' },
  { key: 'age', label: 'Age', value: p => p.age, cellTestid: 'age' },
]

describe('denseTable', () => {
  it('writes a header and one row per item, a cell from its column or from the page\'s cell slot', () => {
    const w = mount(DenseTable<Person>, {
      props: { columns, rows: people, rowKey: p => p.id, rowTestid: 'person', rowAttrs: p => ({ 'data-id': p.id }) },
      slots: { 'cell-age': ({ row }: { row: Person }) => h('b', `${row.age} y`) },
    })
    expect(w.findAll('th').map(th => th.text())).toEqual(['Name', 'Age'])
    const rows = w.findAll('[data-testid="person"]')
    expect(rows.map(r => r.attributes('data-id'))).toEqual(['1', '2'])
    expect(rows[0]!.get('td.nowrap').text()).toBe('Li Na')
    expect(rows[1]!.get('[data-testid="age"] b').text()).toBe('27 y')
  })

  it('shows the empty text instead of a table, and keeps the header without one', () => {
    const withText = mount(DenseTable<Person>, { props: { columns, rows: [], rowKey: p => p.id, empty: 'Nobody yet' } })
    expect(withText.find('table').exists()).toBe(false)
    expect(withText.text()).toBe('Nobody yet')
    const without = mount(DenseTable<Person>, { props: { columns, rows: [], rowKey: p => p.id } })
    expect(without.findAll('th')).toHaveLength(2)
  })

  it('passes a row click on only when its rows are clickable', async () => {
    const clickable = mount(DenseTable<Person>, { props: { columns, rows: people, rowKey: p => p.id, clickable: true } })
    await clickable.findAll('tbody tr')[1]!.trigger('click')
    expect(clickable.emitted('rowClick')).toEqual([[people[1]]])
    const still = mount(DenseTable<Person>, { props: { columns, rows: people, rowKey: p => p.id } })
    await still.findAll('tbody tr')[1]!.trigger('click')
    expect(still.emitted('rowClick')).toBeUndefined()
  })
})
